import { describe, expect, it } from 'vitest';

import { canAcquire } from '../../src/decide/lease.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();

describe('canAcquire', () => {
  it.each([
    ['a free Lease', undefined, true],
    ['an empty holder', { holderIdentity: '' }, true],
    ['our own Lease', { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: at(1) }, true],
    [
      'a current holder',
      { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: at(5) },
      false,
    ],
    [
      'an expired holder',
      { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: at(16) },
      true,
    ],
    [
      'a holder that only acquired',
      { holderIdentity: 'b', leaseDurationSeconds: 15, acquireTime: at(3) },
      false,
    ],
    ['a holder with no times', { holderIdentity: 'b', leaseDurationSeconds: 15 }, true],
  ])('%s: %j → %s', (_what, lease, expected) => {
    expect(canAcquire(lease, 'me', now)).toBe(expected);
  });
});
