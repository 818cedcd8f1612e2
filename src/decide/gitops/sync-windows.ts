// Sync windows: cron-scheduled periods in which a GitSync may (allow) or may not (deny) sync, as
// Argo CD users know them. Pure: `now` comes in, cron-parser does the calendar arithmetic (time
// zones and DST included), and the verdict says when it may change so the controller can requeue
// exactly then.
import { CronExpressionParser, type CronExpression } from 'cron-parser';

import type { SyncWindow } from '../../api/gitops.js';
import { parseGoDuration } from '../durations.js';

/** Whether a sync may run now, why, and when that may change. */
export interface SyncWindowVerdict {
  allowed: boolean;
  message: string;
  nextChange?: Date;
}

/** Where a window stands at `now`. */
interface WindowState {
  window: SyncWindow;
  active: boolean;
  /** When an active window closes (overlapping recurrences merged). */
  end?: Date;
  /** The next time the window opens after now. */
  nextStart?: Date;
}

const cronFields = 5;
// A window that never closes (every minute, 1h long) is followed this many durations ahead; the
// verdict is re-evaluated then, which is still correct, only earlier than strictly needed.
const maxMergeSteps = 20;

function cron(window: SyncWindow, at: Date): CronExpression {
  return CronExpressionParser.parse(window.schedule, {
    currentDate: at,
    tz: window.timeZone ?? 'UTC',
    // `H` picks a random value; seeding with the schedule keeps the result the same every pass.
    hashSeed: window.schedule,
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function scheduleProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/).filter(Boolean).length;
  if (fields !== cronFields)
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields}`;
  try {
    CronExpressionParser.parse(schedule, { hashSeed: schedule });
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

function knownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function windowProblems(window: SyncWindow, at: string): string[] {
  const problems: string[] = [];
  if (window.kind !== 'allow' && window.kind !== 'deny')
    problems.push(`${at}: kind must be allow or deny, not "${window.kind}"`);
  const schedule = scheduleProblem(window.schedule);
  if (schedule) problems.push(`${at}: invalid schedule "${window.schedule}": ${schedule}`);
  if (!(parseGoDuration(window.duration) > 0))
    problems.push(
      `${at}: invalid duration "${window.duration}": expected a positive duration such as 1h30m`,
    );
  if (window.timeZone !== undefined && !knownTimeZone(window.timeZone))
    problems.push(`${at}: unknown time zone "${window.timeZone}"`);
  return problems;
}

/** Problems of the sync windows, one message each; empty when all are usable. */
export function validateSyncWindows(windows: readonly SyncWindow[]): string[] {
  return windows.flatMap((window, i) => windowProblems(window, `syncWindows[${i}]`));
}

function durationMs(window: SyncWindow): number {
  return parseGoDuration(window.duration) * 1000;
}

/** The schedule's next (or previous) occurrence; undefined when there is none in range. */
function occurrence(it: CronExpression, backwards: boolean): Date | undefined {
  try {
    return (backwards ? it.prev() : it.next()).toDate();
  } catch {
    return undefined;
  }
}

/** The latest start at or before now, if the schedule ever started. */
function latestStart(window: SyncWindow, now: Date): Date | undefined {
  // prev() is strictly before its current date; one millisecond later makes "at now" count.
  return occurrence(cron(window, new Date(now.getTime() + 1)), true);
}

/**
 * The end of the open window, following recurrences that start before it closes: each step jumps
 * to the last start before the current end, so a window longer than its period costs few steps.
 */
function mergedEnd(window: SyncWindow, start: Date): Date {
  const length = durationMs(window);
  let end = start.getTime() + length;
  for (let i = 0; i < maxMergeSteps; i++) {
    const last = latestStart(window, new Date(end))?.getTime();
    if (last === undefined || last + length <= end) break;
    end = last + length;
  }
  return new Date(end);
}

function stateOf(window: SyncWindow, now: Date): WindowState {
  const start = latestStart(window, now);
  const active = start !== undefined && start.getTime() + durationMs(window) > now.getTime();
  const state: WindowState = { window, active };
  const nextStart = occurrence(cron(window, now), false);
  if (nextStart) state.nextStart = nextStart;
  if (active) state.end = mergedEnd(window, start);
  return state;
}

/** How a window is named in messages. */
function describeWindow(window: SyncWindow): string {
  const zone = window.timeZone ? `, ${window.timeZone}` : '';
  return `window "${window.schedule}" (${window.kind}, ${window.duration}${zone})`;
}

function latestEnding(states: readonly WindowState[]): WindowState | undefined {
  return [...states].sort((a, b) => (b.end?.getTime() ?? 0) - (a.end?.getTime() ?? 0))[0];
}

function earliest(dates: readonly (Date | undefined)[]): Date | undefined {
  const times = dates.filter((d): d is Date => d !== undefined).map((d) => d.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

function verdict(allowed: boolean, message: string, nextChange?: Date): SyncWindowVerdict {
  return nextChange ? { allowed, message, nextChange } : { allowed, message };
}

function deniedByWindow(activeDenies: readonly WindowState[]): SyncWindowVerdict {
  const last = latestEnding(activeDenies) as WindowState;
  const until = last.end?.toISOString() ?? 'unknown';
  return verdict(false, `sync denied by ${describeWindow(last.window)} until ${until}`, last.end);
}

function deniedForLackOfAllow(allows: readonly WindowState[]): SyncWindowVerdict {
  const opens = earliest(allows.map((s) => s.nextStart));
  const next = opens ? `; next opens at ${opens.toISOString()}` : '';
  return verdict(false, `no allow window is active${next}`, opens);
}

function allowedVerdict(states: readonly WindowState[]): SyncWindowVerdict {
  if (states.length === 0) return { allowed: true, message: 'no sync windows' };
  const denyOpens = earliest(
    states.filter((s) => s.window.kind === 'deny').map((s) => s.nextStart),
  );
  const allow = latestEnding(states.filter((s) => s.window.kind === 'allow' && s.active));
  // With allow windows, syncing stops when the last open one closes (or a deny window opens).
  const nextChange = earliest([allow?.end, denyOpens]);
  const message = allow
    ? `sync allowed by ${describeWindow(allow.window)} until ${allow.end?.toISOString() ?? 'unknown'}`
    : `no deny window is active${denyOpens ? `; next opens at ${denyOpens.toISOString()}` : ''}`;
  return verdict(true, message, nextChange);
}

/**
 * Whether syncing is allowed at `now`. Deny beats allow; when allow windows exist, one must be
 * open. A manual (requested) reconcile passes when every window that blocks it has manualSync.
 * Invalid windows block syncing (fail closed): the user meant to restrict when syncs happen.
 */
export function syncWindowVerdict(
  windows: readonly SyncWindow[],
  now: Date,
  opts: { manual: boolean },
): SyncWindowVerdict {
  const problems = validateSyncWindows(windows);
  if (problems.length > 0)
    return { allowed: false, message: `invalid sync windows: ${problems.join('; ')}` };
  const states = windows.map((window) => stateOf(window, now));
  const activeDenies = states.filter((s) => s.window.kind === 'deny' && s.active);
  const allows = states.filter((s) => s.window.kind === 'allow');
  const noAllowOpen = allows.length > 0 && !allows.some((s) => s.active);
  const blocking = [...activeDenies, ...(noAllowOpen ? allows : [])];
  if (blocking.length === 0) return allowedVerdict(states);
  const blocked =
    activeDenies.length > 0 ? deniedByWindow(activeDenies) : deniedForLackOfAllow(allows);
  if (opts.manual && blocking.every((s) => s.window.manualSync === true))
    return { ...blocked, allowed: true, message: `manual sync allowed: ${blocked.message}` };
  return blocked;
}
