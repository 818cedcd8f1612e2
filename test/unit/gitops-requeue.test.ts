import { describe, expect, it } from 'vitest';

import { nextRequeueMs, withJitter, type RequeueOutcome } from '../../src/decide/gitops/requeue.js';

describe('withJitter', () => {
  it.each<[number, number, number | undefined, number]>([
    [60_000, 0.5, undefined, 60_000],
    [60_000, 0, undefined, 54_000],
    [60_000, 1, undefined, 66_000],
    [60_000, 0.25, undefined, 57_000],
    [60_000, 0, 0.5, 30_000],
    [60_000, 1, 0, 60_000],
    [60_000, -3, undefined, 54_000],
    [60_000, 7, undefined, 66_000],
    [0, 1, undefined, 0],
    [1001, 0.5, undefined, 1001],
  ])('%d ms with random %d and fraction %s -> %d ms', (ms, random, fraction, expected) => {
    expect(withJitter(ms, random, fraction)).toBe(expected);
  });
});

const now = new Date('2026-11-30T10:00:00Z');
const base: RequeueOutcome = {
  failed: false,
  waitingForHealth: false,
  intervalMs: 300_000,
  now,
};
const inMs = (ms: number) => new Date(now.getTime() + ms);

describe('nextRequeueMs', () => {
  it.each<[string, Partial<RequeueOutcome>, number, number]>([
    ['a successful pass waits the interval', {}, 0.5, 300_000],
    ['the interval is jittered', {}, 1, 330_000],
    ['a failure waits retryInterval', { failed: true, retryIntervalMs: 30_000 }, 0.5, 30_000],
    ['a failure without retryInterval waits the interval', { failed: true }, 0.5, 300_000],
    ['health pending polls every 5s', { waitingForHealth: true }, 0.5, 5000],
    [
      'health pending never polls slower than the interval',
      { waitingForHealth: true, intervalMs: 2000 },
      0.5,
      2000,
    ],
    [
      'a failure beats health pending',
      { failed: true, waitingForHealth: true, retryIntervalMs: 60_000 },
      0.5,
      60_000,
    ],
    [
      'a sync window change sooner than the interval wins (just after the change)',
      { windowChangeAt: inMs(120_000) },
      0.5,
      121_000,
    ],
    [
      'a window change later than the interval does not',
      { windowChangeAt: inMs(3_600_000) },
      0.5,
      300_000,
    ],
    [
      'a window change that already passed requeues almost at once',
      { windowChangeAt: inMs(-5000) },
      0.5,
      1000,
    ],
    [
      'health polling is sooner than a window change',
      { waitingForHealth: true, windowChangeAt: inMs(120_000) },
      0.5,
      5000,
    ],
  ])('%s', (_name, over, random, expected) => {
    expect(nextRequeueMs({ ...base, ...over }, random)).toBe(expected);
  });
});
