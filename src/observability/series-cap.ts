// A bound on how many objects one metric family may label series with. Every Rollout or
// AnalysisRun becomes several series (info, replicas, one per phase, histogram buckets), so a
// namespace full of short-lived AnalysisRuns grows the registry without limit unless objects are
// forgotten on delete *and* a hard ceiling stops a leak or a flood from exhausting memory: Argo
// Rollouts' controller was OOM-killed by exactly this (argoproj/argo-rollouts PR #3929). Past the
// ceiling an object simply has no series; the drop counter tells the operator to raise the cap.

/** How long after forget() a late reconcile timing of the object is ignored. */
export const forgetGraceMs = 60_000;

/**
 * Admits up to `max` distinct objects; refusals are reported through `onDrop`. A released object
 * stays refused to `observe` callers for a grace period: the pass that finds the object deleted
 * ends after forget(), and its timing must not re-create series that nothing would remove again.
 */
export class ObjectCap {
  private readonly keys = new Set<string>();
  /** Released keys and when their grace ends, oldest first (one TTL keeps insertion order sorted). */
  private readonly released = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly onDrop: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * True when `key` is (or now becomes) one of the admitted objects. `revive` (a fresh snapshot:
   * the object exists again) admits a just-released key; without it such a key is refused quietly.
   */
  admit(key: string, revive: boolean): boolean {
    if (this.keys.has(key)) return true;
    if (this.inGrace(key)) {
      if (!revive) return false;
      this.released.delete(key);
    }
    if (this.keys.size >= this.max) {
      this.onDrop();
      return false;
    }
    this.keys.add(key);
    return true;
  }

  /** Frees the object's place, so a later object can take it. */
  release(key: string): void {
    this.keys.delete(key);
    this.released.delete(key);
    this.released.set(key, this.now() + forgetGraceMs);
    for (const [old, until] of this.released) {
      if (until > this.now()) break;
      this.released.delete(old);
    }
  }

  private inGrace(key: string): boolean {
    return (this.released.get(key) ?? 0) > this.now();
  }
}

/** One object's identity as a map key (a namespace never contains '/'). */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
