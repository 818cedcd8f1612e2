// Exactly one notification per event per revision. The controller may report the same moment on
// every reconcile; the key names the moment (rollout, revision, trigger, step, AnalysisRun, and
// when it happened for moments that can recur, like a second abort after a retry) and a
// bounded set of recent keys remembers what was sent. Memory only: after a restart a notification
// can repeat once, which is acceptable for alerts.
import type { NotificationEvent } from './types.js';

/** The identity of a notifiable moment. */
export function dedupeKey(event: NotificationEvent): string {
  return [
    event.rollout.uid,
    event.revision,
    event.trigger,
    event.step === undefined ? '' : event.step.index,
    event.analysis?.runName ?? '',
    event.occurrence ?? '',
  ].join('\u0000');
}

/** A bounded least-recently-used set of keys. */
export class RecentKeys {
  private readonly keys = new Map<string, true>();
  constructor(private readonly capacity: number) {}

  /** Whether the key was seen; a hit refreshes it, so a moment reported on and on stays remembered. */
  has(key: string): boolean {
    if (!this.keys.has(key)) return false;
    this.keys.delete(key);
    this.keys.set(key, true);
    return true;
  }

  /** Remembers a key, forgetting the least recently used one beyond the capacity. */
  add(key: string): void {
    this.keys.delete(key);
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.keys.size;
  }
}
