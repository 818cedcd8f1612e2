// Whether a leader-election Lease may be taken: pure, so the rule is tested on its own.

/** The Lease fields the rule reads. */
export interface LeaseSpec {
  readonly holderIdentity?: string | undefined;
  readonly leaseDurationSeconds?: number | undefined;
  readonly acquireTime?: string | undefined;
  readonly renewTime?: string | undefined;
}

/**
 * True when `identity` may hold the Lease at `now`: nobody holds it, we do, or the holder has
 * not renewed it within its duration (client-go's rule).
 */
export function canAcquire(lease: LeaseSpec | undefined, identity: string, now: number): boolean {
  const holder = lease?.holderIdentity ?? '';
  if (holder === '' || holder === identity) return true;
  return now > lastRenewal(lease) + (lease?.leaseDurationSeconds ?? 0) * 1000;
}

/** When the holder last renewed (or acquired) the Lease; never-renewed reads as long ago. */
function lastRenewal(lease: LeaseSpec | undefined): number {
  const stamp = Date.parse(lease?.renewTime ?? lease?.acquireTime ?? '');
  return Number.isNaN(stamp) ? 0 : stamp;
}
