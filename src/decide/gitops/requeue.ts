// When a GitSync is reconciled next. Pure: the random number and the clock come in. Jitter
// spreads many GitSyncs with the same interval so they do not all hit Git and the API at once.

/** How the pass ended, and the clock and schedule facts that decide the next one. */
export interface RequeueOutcome {
  failed: boolean;
  waitingForHealth: boolean;
  intervalMs: number;
  retryIntervalMs?: number;
  /** When a sync window opens or closes next. */
  windowChangeAt?: Date;
  now: Date;
}

/** How often health is re-read while objects are still progressing. */
export const healthPollMs = 5000;
/** Wake this long after a window change, so the window is surely open (or closed) by then. */
export const windowChangeMarginMs = 1000;

/** `ms` moved by up to +/- `fraction`, where `random` (0..1) picks how far. */
export function withJitter(ms: number, random: number, fraction = 0.1): number {
  const r = Math.min(Math.max(random, 0), 1);
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * r - 1))));
}

/** Milliseconds until the next reconcile. */
export function nextRequeueMs(outcome: RequeueOutcome, random: number): number {
  const base = outcome.failed
    ? (outcome.retryIntervalMs ?? outcome.intervalMs)
    : outcome.waitingForHealth
      ? Math.min(healthPollMs, outcome.intervalMs)
      : outcome.intervalMs;
  const jittered = withJitter(base, random);
  if (!outcome.windowChangeAt) return jittered;
  const untilChange =
    Math.max(0, outcome.windowChangeAt.getTime() - outcome.now.getTime()) + windowChangeMarginMs;
  return Math.min(untilChange, jittered);
}
