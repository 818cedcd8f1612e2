// Remembers, per key, the resourceVersion an object had when we last wrote it. Until the cache
// shows a newer version it is behind our own write, and acting on it could undo or repeat that
// write. Bounded in time: a watch that lost the event must not stop the object for good (the
// informer's watchdog restarts it).

/** Longest wait for the cache to show our own write before acting anyway. */
const staleLimitMs = 10_000;

/** Per-key memory of the version our last write replaced. */
export class StaleVersions {
  private readonly versions = new Map<string, { version: string; at: number }>();

  /** Notes that `version` was replaced by our write just now. */
  remember(key: string, version: string | undefined): void {
    if (version) this.versions.set(key, { version, at: Date.now() });
  }

  /** True while the cache still holds the version our last write replaced. */
  isBehind(key: string, cachedVersion: string | undefined): boolean {
    const stale = this.versions.get(key);
    if (!stale || stale.version !== cachedVersion) return false;
    return Date.now() - stale.at < staleLimitMs;
  }

  /** Forgets a key (the object is gone). */
  forget(key: string): void {
    this.versions.delete(key);
  }
}
