// Whether a leader-election Lease may be taken: pure, so the rule is tested on its own.

/** The Lease fields the rule reads. */
export interface LeaseSpec {
  readonly holderIdentity?: string | undefined;
  readonly leaseDurationSeconds?: number | undefined;
  readonly acquireTime?: string | undefined;
  readonly renewTime?: string | undefined;
}

/** When this candidate last saw the Lease record change (its own clock, client-go's way). */
export interface Observation {
  /** holderIdentity and renewTime as seen. */
  readonly record: string;
  /** Local time of the first sighting of that record. */
  readonly at: number;
}

/** The record part of a Lease that changes on every renewal. */
export function leaseRecord(lease: LeaseSpec | undefined): string {
  return `${lease?.holderIdentity ?? ''}@${lease?.renewTime ?? lease?.acquireTime ?? ''}`;
}

/** The observation after reading `lease` at `now`: kept while the record is unchanged. */
export function observe(
  previous: Observation | undefined,
  lease: LeaseSpec | undefined,
  now: number,
): Observation {
  const record = leaseRecord(lease);
  return previous?.record === record ? previous : { record, at: now };
}

/**
 * True when `identity` may hold the Lease at `now`: nobody holds it, we do, or the holder's
 * record has not changed for its duration as measured on our clock since we first saw it (so
 * clock skew between replicas cannot shorten the wait).
 */
export function canAcquire(
  lease: LeaseSpec | undefined,
  identity: string,
  now: number,
  seen: Observation,
): boolean {
  const holder = lease?.holderIdentity ?? '';
  if (holder === '' || holder === identity) return true;
  return now > seen.at + (lease?.leaseDurationSeconds ?? 0) * 1000;
}
