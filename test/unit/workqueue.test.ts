import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { runWorkers, WorkQueue } from '../../src/kube/workqueue.js';

const limits = { baseDelayMs: 10, maxDelayMs: 1000, qps: 1000, burst: 1000 };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function drain(q: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (q.length > 0) {
    const key = (await q.get()) as string;
    keys.push(key);
    q.done(key);
  }
  return keys;
}

describe('WorkQueue', () => {
  it('de-duplicates keys that wait in the queue', async () => {
    const q = new WorkQueue(limits);
    for (const key of ['a', 'b', 'a', 'a', 'c', 'b']) q.add(key);
    expect(await drain(q)).toEqual(['a', 'b', 'c']);
  });

  it('never hands a key to two workers; a key added while processing comes back once after done', async () => {
    const q = new WorkQueue(limits);
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    q.done(first as string);
    expect(await drain(q)).toEqual(['a']);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue(limits);
    const next = q.get();
    q.add('x');
    expect(await next).toBe('x');
  });

  it('keeps the earliest of several delayed adds for one key', async () => {
    const q = new WorkQueue(limits);
    q.addAfter('a', 5000);
    q.addAfter('a', 1000);
    q.addAfter('a', 3000);
    vi.advanceTimersByTime(999);
    expect(q.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(await drain(q)).toEqual(['a']);
    vi.advanceTimersByTime(10_000);
    expect(q.length).toBe(0);
  });

  it.each([
    [1, 10],
    [2, 20],
    [3, 40],
    [5, 160],
    [10, 1000],
  ])('after %d failures the next retry waits %d ms', async (failures, expected) => {
    const q = new WorkQueue(limits);
    for (let i = 0; i < failures - 1; i++) q.addRateLimited('k');
    vi.advanceTimersByTime(100_000);
    await drain(q);
    q.addRateLimited('k');
    vi.advanceTimersByTime(expected - 1);
    expect(q.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.length).toBe(1);
  });

  it('forget resets the backoff', () => {
    const q = new WorkQueue(limits);
    q.addRateLimited('k');
    q.addRateLimited('k');
    expect(q.retries('k')).toBe(2);
    q.forget('k');
    expect(q.retries('k')).toBe(0);
  });

  it('limits retries overall with a token bucket', () => {
    const q = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 1, qps: 10, burst: 2 });
    for (const key of ['a', 'b', 'c', 'd']) q.addRateLimited(key);
    vi.advanceTimersByTime(1);
    expect(q.length).toBe(2);
    vi.advanceTimersByTime(100);
    expect(q.length).toBe(3);
    vi.advanceTimersByTime(100);
    expect(q.length).toBe(4);
  });

  it('releases waiting workers on shut down and ignores later adds', async () => {
    const q = new WorkQueue(limits);
    const next = q.get();
    q.shutDown();
    expect(await next).toBeUndefined();
    q.add('late');
    expect(q.length).toBe(0);
  });
});

describe('runWorkers', () => {
  it('retries a failing key with backoff, then forgets its failures on success', async () => {
    vi.useRealTimers();
    const q = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 5, qps: 1000, burst: 1000 });
    const attempts: string[] = [];
    const errors: string[] = [];
    let failuresLeft = 3;
    const done = runWorkers(
      q,
      2,
      (key) => {
        attempts.push(key);
        if (key === 'flaky' && failuresLeft-- > 0) return Promise.reject(new Error('boom'));
        if (key === 'flaky') q.shutDown();
        return Promise.resolve();
      },
      (key, err) => errors.push(`${key}: ${(err as Error).message}`),
    );
    q.add('flaky');
    await done;
    expect(attempts).toEqual(['flaky', 'flaky', 'flaky', 'flaky']);
    expect(errors).toEqual(['flaky: boom', 'flaky: boom', 'flaky: boom']);
    expect(q.retries('flaky')).toBe(0);
  });

  it('requeues after the time a reconcile asks for', async () => {
    const q = new WorkQueue(limits);
    let calls = 0;
    const done = runWorkers(
      q,
      1,
      () => {
        calls++;
        return Promise.resolve(calls === 1 ? { requeueAfterMs: 30_000 } : undefined);
      },
      () => undefined,
    );
    q.add('paused');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    q.shutDown();
    await done;
  });
});
