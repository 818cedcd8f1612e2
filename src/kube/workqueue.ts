// A keyed work queue with the semantics controllers rely on (as in client-go's workqueue):
// a key is queued at most once, never handed to two workers at once, re-queued if it changed
// while being processed, and retried with per-key exponential backoff under an overall rate limit.

/** Per-key exponential backoff and an overall token bucket for retries. */
export interface RateLimitOptions {
  /** First retry delay. */
  readonly baseDelayMs: number;
  /** Longest retry delay. */
  readonly maxDelayMs: number;
  /** Sustained retries per second across all keys. */
  readonly qps: number;
  /** Retries allowed at once before the overall limit applies. */
  readonly burst: number;
}

/** client-go's defaults: 5 ms doubling to 1000 s per key; 10 qps with a burst of 100 overall. */
export const defaultRateLimit: RateLimitOptions = {
  baseDelayMs: 5,
  maxDelayMs: 1_000_000,
  qps: 10,
  burst: 100,
};

/** What a queue reports for metrics (client-go's workqueue_* family). */
export interface QueueObserver {
  depth(n: number): void;
  added(): void;
  retried(): void;
  /** Seconds a key waited in the queue before a worker took it. */
  latency(seconds: number): void;
  /** Seconds a worker spent on a key. */
  workDuration(seconds: number): void;
}

/** A keyed, de-duplicating, rate-limited queue. */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queuedAt = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private tokens: number;
  private tokensAt = Date.now();
  private shuttingDown = false;

  constructor(
    private readonly limits: RateLimitOptions = defaultRateLimit,
    /** Metrics hooks; none by default. */
    readonly observer?: QueueObserver,
  ) {
    this.tokens = limits.burst;
  }

  /** Queues a key now, unless it is already waiting; a key being processed is re-queued after. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.observer?.added();
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.observer?.latency(0);
      waiter(key);
    } else {
      this.queue.push(key);
      this.queuedAt.set(key, Date.now());
      this.observer?.depth(this.queue.length);
    }
  }

  /** Queues a key after a delay; of several pending delays for one key the earliest wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.due <= due) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.delayed.set(key, { due, timer });
  }

  /** Re-queues a failed key after its backoff (doubling per consecutive failure) and the overall limit. */
  addRateLimited(key: string): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.observer?.retried();
    const backoff = Math.min(this.limits.baseDelayMs * 2 ** failures, this.limits.maxDelayMs);
    this.addAfter(key, Math.max(backoff, this.takeToken()));
  }

  /** Forgets a key's failures once it succeeded, so its next retry starts from the base delay. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many consecutive failures a key has had. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Waits for the next key; undefined once the queue is shut down and drained. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      this.observer?.latency((Date.now() - (this.queuedAt.get(key) ?? Date.now())) / 1000);
      this.queuedAt.delete(key);
      this.observer?.depth(this.queue.length);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key finished; if it was added again meanwhile, it goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Keys waiting to be processed now (not counting delayed ones). */
  get length(): number {
    return this.queue.length;
  }

  /** Stops accepting keys, cancels delayed ones, and releases idle workers. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /** Delay until a token of the overall bucket is free (0 when one is free now). */
  private takeToken(): number {
    const now = Date.now();
    const refill = ((now - this.tokensAt) / 1000) * this.limits.qps;
    this.tokens = Math.min(this.limits.burst, this.tokens + refill);
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.limits.qps) * 1000);
  }
}

/** What a reconcile asks of the queue when it returns normally. */
export interface ReconcileResult {
  /** Come back after this long even if nothing changes (a pause with a duration, a deadline). */
  readonly requeueAfterMs?: number;
}

/** Handles one key; throwing means "retry with backoff". */
export type Reconciler = (key: string) => Promise<ReconcileResult | void>;

/**
 * Runs N workers over the queue until it is shut down. A thrown error re-queues the key with
 * backoff and is reported to `onError`; success forgets past failures.
 */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  reconcile: Reconciler,
  onError: (key: string, err: unknown) => void,
): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = performance.now();
      try {
        const result = await reconcile(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        onError(key, err);
        queue.addRateLimited(key);
      } finally {
        queue.observer?.workDuration((performance.now() - started) / 1000);
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}
