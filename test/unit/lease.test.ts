import { describe, expect, it } from 'vitest';

import { canAcquire, observe, type LeaseSpec } from '../../src/decide/lease.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const lease = (holder: string, renewTime = '2026-11-29T11:00:00Z'): LeaseSpec => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  renewTime,
});

describe('canAcquire', () => {
  it.each([
    ['a free Lease', undefined, 0, true],
    ['an empty holder', { holderIdentity: '' }, 0, true],
    ['our own Lease', lease('me'), 0, true],
    ['another holder just seen', lease('b'), 0, false],
    ['another holder unchanged for 14 s', lease('b'), 14_000, false],
    ['another holder unchanged for 16 s', lease('b'), 16_000, true],
  ])('%s → %s', (_what, spec, elapsed, expected) => {
    const seen = observe(undefined, spec, now);
    expect(canAcquire(spec, 'me', now + elapsed, seen)).toBe(expected);
  });

  it('measures on its own clock: a holder whose clock lags an hour is not taken early', () => {
    // renewTime an hour in the past by our clock, but just written: a fresh sighting waits.
    const spec = lease('b', '2026-11-29T11:00:00Z');
    expect(canAcquire(spec, 'me', now, observe(undefined, spec, now))).toBe(false);
  });

  it('a renewal resets the wait; an unchanged record keeps its first sighting', () => {
    const first = observe(undefined, lease('b', 't1'), now);
    expect(observe(first, lease('b', 't1'), now + 10_000)).toBe(first);
    const renewed = observe(first, lease('b', 't2'), now + 10_000);
    expect(renewed.at).toBe(now + 10_000);
    expect(canAcquire(lease('b', 't2'), 'me', now + 20_000, renewed)).toBe(false);
  });
});
