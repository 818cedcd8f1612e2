// Token buckets for the webhook receiver: one per hook path and one for the whole receiver, so a
// flood on one hook cannot starve the others and a flood over many paths is capped too.
// Hand-rolled: the npm libraries that fit (limiter, rate-limiter-flexible) are not dependencies of
// ramp, and the arithmetic below (with an injected clock for tests) is all the receiver needs.

/** Refill rate and capacity of a bucket. */
export interface BucketShape {
  /** Tokens added per minute. */
  readonly perMinute: number;
  /** Capacity: how many requests may arrive at once after a quiet spell. */
  readonly burst: number;
}

/** A request's verdict: allowed, or refused with how long until a token is back. */
export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** A bucket's tokens at `now` (refilled since its last use, capped at the burst). */
function refilled(bucket: Bucket, shape: BucketShape, now: number): number {
  const added = (Math.max(0, now - bucket.at) * shape.perMinute) / 60_000;
  return Math.min(shape.burst, bucket.tokens + added);
}

/** Milliseconds until a bucket holding `tokens` has one whole token. */
function waitFor(tokens: number, shape: BucketShape): number {
  // The epsilon absorbs floating-point error (1 - 0.999 is not exactly 0.001).
  return Math.ceil(((1 - tokens) * 60_000) / shape.perMinute - 1e-6);
}

/** Keys kept before full buckets (which equal fresh ones) are swept out. */
const sweepAbove = 1_000;

/** Per-key buckets under one overall bucket; a request takes a token from both or from neither. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly overall: Bucket;

  constructor(
    private readonly perKey: BucketShape,
    private readonly total: BucketShape,
    now: number,
  ) {
    this.overall = { tokens: total.burst, at: now };
  }

  /** Takes a token for `key` at `now`, or says how long to wait. */
  admit(key: string, now: number): Admission {
    const bucket = this.buckets.get(key) ?? { tokens: this.perKey.burst, at: now };
    const mine = refilled(bucket, this.perKey, now);
    const all = refilled(this.overall, this.total, now);
    if (mine < 1 || all < 1) {
      const wait = Math.max(
        mine < 1 ? waitFor(mine, this.perKey) : 0,
        all < 1 ? waitFor(all, this.total) : 0,
      );
      return { ok: false, retryAfterMs: wait };
    }
    this.buckets.set(key, { tokens: mine - 1, at: now });
    this.overall.tokens = all - 1;
    this.overall.at = now;
    this.sweep(now);
    return { ok: true };
  }

  /** How many keys are tracked (for tests of the sweep). */
  get size(): number {
    return this.buckets.size;
  }

  /** Bounds memory when many paths are hit: a full bucket is the same as none. */
  private sweep(now: number): void {
    if (this.buckets.size <= sweepAbove) return;
    for (const [key, bucket] of this.buckets)
      if (refilled(bucket, this.perKey, now) >= this.perKey.burst) this.buckets.delete(key);
  }
}

/** Retry-After in whole seconds (at least 1), as HTTP wants it. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
