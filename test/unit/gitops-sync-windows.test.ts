import { describe, expect, it } from 'vitest';

import type { SyncWindow } from '../../src/api/gitops.js';
import { syncWindowVerdict, validateSyncWindows } from '../../src/decide/gitops/sync-windows.js';

const w = (
  kind: 'allow' | 'deny',
  schedule: string,
  duration: string,
  extra: Partial<SyncWindow> = {},
): SyncWindow => ({ kind, schedule, duration, ...extra });

const at = (iso: string) => new Date(iso);
const auto = { manual: false };
const manual = { manual: true };

// 2026-11-30 is a Monday.
const weekdayFreeze = w('deny', '0 9 * * 1-5', '8h');
// 22:00 Berlin time for 4h: crosses midnight; CET is UTC+1 in winter, CEST UTC+2 in summer.
const berlinNight = w('deny', '0 22 * * *', '4h', { timeZone: 'Europe/Berlin' });
const businessHours = w('allow', '0 8 * * *', '10h');
const lunchFreeze = w('deny', '0 12 * * *', '1h');

describe('validateSyncWindows', () => {
  it.each<[string, SyncWindow[], string[]]>([
    ['no windows', [], []],
    ['valid windows', [weekdayFreeze, berlinNight, businessHours], []],
    [
      'a value out of range',
      [weekdayFreeze, w('deny', '61 * * * *', '1h')],
      [
        'syncWindows[1]: invalid schedule "61 * * * *": Constraint error, got value 61 expected range 0-59',
      ],
    ],
    [
      'six fields (seconds)',
      [w('allow', '0 0 9 * * *', '1h')],
      [
        'syncWindows[0]: invalid schedule "0 0 9 * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 6',
      ],
    ],
    [
      'a predefined expression',
      [w('allow', '@daily', '1h')],
      [
        'syncWindows[0]: invalid schedule "@daily": expected 5 fields (minute hour day-of-month month day-of-week), got 1',
      ],
    ],
    [
      'an empty schedule',
      [w('allow', '', '1h')],
      [
        'syncWindows[0]: invalid schedule "": expected 5 fields (minute hour day-of-month month day-of-week), got 0',
      ],
    ],
    [
      'garbage in a field',
      [w('allow', '0 nine * * *', '1h')],
      ['syncWindows[0]: invalid schedule "0 nine * * *": Invalid characters, got value: nine'],
    ],
    [
      'a date that never exists',
      [w('allow', '0 0 31 2 *', '1h')],
      ['syncWindows[0]: invalid schedule "0 0 31 2 *": Invalid explicit day of month definition'],
    ],
    [
      'a duration in days',
      [w('deny', '0 9 * * *', '1d')],
      ['syncWindows[0]: invalid duration "1d": expected a positive duration such as 1h30m'],
    ],
    [
      'a zero duration',
      [w('deny', '0 9 * * *', '0s')],
      ['syncWindows[0]: invalid duration "0s": expected a positive duration such as 1h30m'],
    ],
    [
      'an unknown time zone',
      [w('deny', '0 9 * * *', '1h', { timeZone: 'Mars/Olympus_Mons' })],
      ['syncWindows[0]: unknown time zone "Mars/Olympus_Mons"'],
    ],
    [
      'an unknown kind',
      [{ kind: 'maybe', schedule: '0 9 * * *', duration: '1h' }],
      ['syncWindows[0]: kind must be allow or deny, not "maybe"'],
    ],
    [
      'several problems in one window',
      [w('deny', '* *', 'soon', { timeZone: 'Nowhere' })],
      [
        'syncWindows[0]: invalid schedule "* *": expected 5 fields (minute hour day-of-month month day-of-week), got 2',
        'syncWindows[0]: invalid duration "soon": expected a positive duration such as 1h30m',
        'syncWindows[0]: unknown time zone "Nowhere"',
      ],
    ],
  ])('%s', (_name, windows, problems) => {
    expect(validateSyncWindows(windows)).toEqual(problems);
  });
});

interface Case {
  windows: SyncWindow[];
  now: string;
  opts?: { manual: boolean };
  allowed: boolean;
  message: string;
  nextChange?: string;
}

describe('syncWindowVerdict', () => {
  it.each<[string, Case]>([
    [
      'no windows: always allowed, nothing to wait for',
      { windows: [], now: '2026-11-30T10:00:00Z', allowed: true, message: 'no sync windows' },
    ],
    [
      'inside a weekday deny window',
      {
        windows: [weekdayFreeze],
        now: '2026-11-30T10:00:00Z',
        allowed: false,
        message: 'sync denied by window "0 9 * * 1-5" (deny, 8h) until 2026-11-30T17:00:00.000Z',
        nextChange: '2026-11-30T17:00:00.000Z',
      },
    ],
    [
      'a deny window is active from its very start',
      {
        windows: [weekdayFreeze],
        now: '2026-11-30T09:00:00.000Z',
        allowed: false,
        message: 'sync denied by window "0 9 * * 1-5" (deny, 8h) until 2026-11-30T17:00:00.000Z',
        nextChange: '2026-11-30T17:00:00.000Z',
      },
    ],
    [
      'a deny window is over at its end',
      {
        windows: [weekdayFreeze],
        now: '2026-11-30T17:00:00.000Z',
        allowed: true,
        message: 'no deny window is active; next opens at 2026-12-01T09:00:00.000Z',
        nextChange: '2026-12-01T09:00:00.000Z',
      },
    ],
    [
      'weekend: the weekday deny window opens again on Monday',
      {
        windows: [weekdayFreeze],
        now: '2026-12-05T10:00:00Z',
        allowed: true,
        message: 'no deny window is active; next opens at 2026-12-07T09:00:00.000Z',
        nextChange: '2026-12-07T09:00:00.000Z',
      },
    ],
    [
      'Berlin night freeze, after midnight Berlin time (winter, UTC+1)',
      {
        windows: [berlinNight],
        now: '2026-12-01T00:30:00Z',
        allowed: false,
        message:
          'sync denied by window "0 22 * * *" (deny, 4h, Europe/Berlin) until 2026-12-01T01:00:00.000Z',
        nextChange: '2026-12-01T01:00:00.000Z',
      },
    ],
    [
      'Berlin night freeze, before midnight Berlin time (winter)',
      {
        windows: [berlinNight],
        now: '2026-11-30T22:59:00Z',
        allowed: false,
        message:
          'sync denied by window "0 22 * * *" (deny, 4h, Europe/Berlin) until 2026-12-01T01:00:00.000Z',
        nextChange: '2026-12-01T01:00:00.000Z',
      },
    ],
    [
      'Berlin night freeze is not yet open at 21:59 Berlin (20:59 UTC)',
      {
        windows: [berlinNight],
        now: '2026-11-30T20:59:00Z',
        allowed: true,
        message: 'no deny window is active; next opens at 2026-11-30T21:00:00.000Z',
        nextChange: '2026-11-30T21:00:00.000Z',
      },
    ],
    [
      'Berlin night freeze is over at 02:00 Berlin (01:00 UTC), though 22:00 UTC + 4h is not',
      {
        windows: [berlinNight],
        now: '2026-12-01T01:00:00Z',
        allowed: true,
        message: 'no deny window is active; next opens at 2026-12-01T21:00:00.000Z',
        nextChange: '2026-12-01T21:00:00.000Z',
      },
    ],
    [
      'Berlin night freeze in summer (UTC+2)',
      {
        windows: [berlinNight],
        now: '2026-06-30T23:30:00Z',
        allowed: false,
        message:
          'sync denied by window "0 22 * * *" (deny, 4h, Europe/Berlin) until 2026-07-01T00:00:00.000Z',
        nextChange: '2026-07-01T00:00:00.000Z',
      },
    ],
    [
      'overlapping allow and deny: allowed before the deny window opens',
      {
        windows: [businessHours, lunchFreeze],
        now: '2026-11-30T10:00:00Z',
        allowed: true,
        message: 'sync allowed by window "0 8 * * *" (allow, 10h) until 2026-11-30T18:00:00.000Z',
        nextChange: '2026-11-30T12:00:00.000Z',
      },
    ],
    [
      'overlapping allow and deny: deny beats allow',
      {
        windows: [businessHours, lunchFreeze],
        now: '2026-11-30T12:30:00Z',
        allowed: false,
        message: 'sync denied by window "0 12 * * *" (deny, 1h) until 2026-11-30T13:00:00.000Z',
        nextChange: '2026-11-30T13:00:00.000Z',
      },
    ],
    [
      'overlapping allow and deny: allowed after the deny window until the allow window closes',
      {
        windows: [businessHours, lunchFreeze],
        now: '2026-11-30T13:30:00Z',
        allowed: true,
        message: 'sync allowed by window "0 8 * * *" (allow, 10h) until 2026-11-30T18:00:00.000Z',
        nextChange: '2026-11-30T18:00:00.000Z',
      },
    ],
    [
      'outside every allow window: denied until the next one opens',
      {
        windows: [businessHours, lunchFreeze],
        now: '2026-11-30T19:00:00Z',
        allowed: false,
        message: 'no allow window is active; next opens at 2026-12-01T08:00:00.000Z',
        nextChange: '2026-12-01T08:00:00.000Z',
      },
    ],
    [
      'two allow windows: the earliest next opening counts',
      {
        windows: [businessHours, w('allow', '0 6 * * *', '1h')],
        now: '2026-11-30T19:00:00Z',
        allowed: false,
        message: 'no allow window is active; next opens at 2026-12-01T06:00:00.000Z',
        nextChange: '2026-12-01T06:00:00.000Z',
      },
    ],
    [
      'two open allow windows: allowed until the last one closes',
      {
        windows: [businessHours, w('allow', '0 9 * * *', '12h')],
        now: '2026-11-30T10:00:00Z',
        allowed: true,
        message: 'sync allowed by window "0 9 * * *" (allow, 12h) until 2026-11-30T21:00:00.000Z',
        nextChange: '2026-11-30T21:00:00.000Z',
      },
    ],
    [
      'two open deny windows: denied until the later one closes',
      {
        windows: [weekdayFreeze, w('deny', '0 8 * * *', '2h')],
        now: '2026-11-30T09:30:00Z',
        allowed: false,
        message: 'sync denied by window "0 9 * * 1-5" (deny, 8h) until 2026-11-30T17:00:00.000Z',
        nextChange: '2026-11-30T17:00:00.000Z',
      },
    ],
    [
      'recurrences that start before the window closes merge into one window',
      {
        windows: [w('deny', '0 9,10 * * *', '90m')],
        now: '2026-11-30T09:15:00Z',
        allowed: false,
        message: 'sync denied by window "0 9,10 * * *" (deny, 90m) until 2026-11-30T11:30:00.000Z',
        nextChange: '2026-11-30T11:30:00.000Z',
      },
    ],
    [
      'a window that spans days is still active from its last start',
      {
        windows: [w('deny', '0 18 * * 5', '62h')],
        now: '2026-12-06T12:00:00Z',
        allowed: false,
        message: 'sync denied by window "0 18 * * 5" (deny, 62h) until 2026-12-07T08:00:00.000Z',
        nextChange: '2026-12-07T08:00:00.000Z',
      },
    ],
    [
      'manual sync passes a deny window that allows it',
      {
        windows: [w('deny', '0 9 * * 1-5', '8h', { manualSync: true })],
        now: '2026-11-30T10:00:00Z',
        opts: manual,
        allowed: true,
        message:
          'manual sync allowed: sync denied by window "0 9 * * 1-5" (deny, 8h) until 2026-11-30T17:00:00.000Z',
        nextChange: '2026-11-30T17:00:00.000Z',
      },
    ],
    [
      'an automatic sync does not pass a manualSync deny window',
      {
        windows: [w('deny', '0 9 * * 1-5', '8h', { manualSync: true })],
        now: '2026-11-30T10:00:00Z',
        allowed: false,
        message: 'sync denied by window "0 9 * * 1-5" (deny, 8h) until 2026-11-30T17:00:00.000Z',
        nextChange: '2026-11-30T17:00:00.000Z',
      },
    ],
    [
      'manual sync does not pass a deny window without manualSync',
      {
        windows: [weekdayFreeze],
        now: '2026-11-30T10:00:00Z',
        opts: manual,
        allowed: false,
        message: 'sync denied by window "0 9 * * 1-5" (deny, 8h) until 2026-11-30T17:00:00.000Z',
        nextChange: '2026-11-30T17:00:00.000Z',
      },
    ],
    [
      'manual sync needs every blocking window to allow it',
      {
        windows: [
          w('deny', '0 9 * * 1-5', '8h', { manualSync: true }),
          w('deny', '0 8 * * *', '4h'),
        ],
        now: '2026-11-30T10:00:00Z',
        opts: manual,
        allowed: false,
        message: 'sync denied by window "0 9 * * 1-5" (deny, 8h) until 2026-11-30T17:00:00.000Z',
        nextChange: '2026-11-30T17:00:00.000Z',
      },
    ],
    [
      'manual sync outside closed allow windows that allow it',
      {
        windows: [w('allow', '0 8 * * *', '10h', { manualSync: true })],
        now: '2026-11-30T19:00:00Z',
        opts: manual,
        allowed: true,
        message:
          'manual sync allowed: no allow window is active; next opens at 2026-12-01T08:00:00.000Z',
        nextChange: '2026-12-01T08:00:00.000Z',
      },
    ],
    [
      'invalid windows block syncing (fail closed)',
      {
        windows: [w('deny', '61 * * * *', '1h')],
        now: '2026-11-30T10:00:00Z',
        allowed: false,
        message:
          'invalid sync windows: syncWindows[0]: invalid schedule "61 * * * *": Constraint error, got value 61 expected range 0-59',
      },
    ],
  ])('%s', (_name, c) => {
    const verdict = syncWindowVerdict(c.windows, at(c.now), c.opts ?? auto);
    expect(verdict.allowed).toBe(c.allowed);
    expect(verdict.message).toBe(c.message);
    expect(verdict.nextChange?.toISOString()).toBe(c.nextChange);
  });

  it('follows a window that never closes far ahead instead of requeueing at every recurrence', () => {
    const now = at('2026-11-30T10:00:30Z');
    const verdict = syncWindowVerdict([w('deny', '* * * * *', '24h')], now, auto);
    expect(verdict.allowed).toBe(false);
    expect(verdict.nextChange!.getTime()).toBeGreaterThan(now.getTime() + 7 * 24 * 3600_000);
  });

  it('is the same for the same inputs (H values are seeded by the schedule)', () => {
    const windows = [w('deny', 'H 9 * * *', '1h')];
    const first = syncWindowVerdict(windows, at('2026-11-30T09:30:00Z'), auto);
    expect(syncWindowVerdict(windows, at('2026-11-30T09:30:00Z'), auto)).toEqual(first);
  });
});
