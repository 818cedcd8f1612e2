import { describe, expect, it } from 'vitest';

import { durationSeconds, parseGoDuration } from '../../src/decide/durations.js';

describe('durationSeconds', () => {
  it.each([
    [undefined, undefined],
    [10, 10],
    [0, 0],
    ['30', 30],
    ['30s', 30],
    ['1m', 60],
    ['10m', 600],
    ['1h', 3600],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['250ms', 0.25],
    ['2m30s', 150],
    ['-5s', -5],
    ['0', 0],
  ])('%j is %j seconds', (input, seconds) => {
    expect(durationSeconds(input)).toBe(seconds);
  });

  it.each([['ten'], ['10 s'], ['s'], ['1d'], ['1h30'], [''], ['1.5']])(
    '%j cannot be read',
    (input) => {
      expect(durationSeconds(input)).toBeNaN();
    },
  );

  it('treats a fractional number as unreadable (Argo takes whole seconds)', () => {
    expect(durationSeconds(1.5)).toBeNaN();
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['1us', 1e-6],
    ['1µs', 1e-6],
    ['3ns', 3e-9],
    ['.5s', 0.5],
  ])('%s', (text, seconds) => {
    expect(parseGoDuration(text)).toBeCloseTo(seconds, 12);
  });
});
