// One metric of an AnalysisRun, decided purely: its settings read from the spec (with Argo's
// defaults), when its next measurement is due, how a measurement's outcome becomes a phase, and
// when the metric as a whole is done. Measurements are scheduled by time stamps in status, never
// by timers, so a restarted controller neither loses nor repeats one.
import {
  AnalysisPhase,
  type Measurement,
  type Metric,
  type MetricResult,
} from '../../api/analysis.js';
import { durationSeconds } from '../durations.js';

/** Argo's defaults. */
export const MetricDefaults = {
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  /** Measurements kept per metric unless measurementRetention says otherwise. */
  measurementHistory: 10,
} as const;

/** A metric's settings as numbers; `count` undefined means "until the run is terminated". */
export interface MetricSettings {
  readonly intervalMs: number | undefined;
  readonly initialDelayMs: number;
  readonly count: number | undefined;
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly consecutiveErrorLimit: number;
  readonly consecutiveSuccessLimit: number | undefined;
}

/** An int-or-string field read as an integer (after args are substituted); NaN when not one. */
export function intOf(value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value.trim());
  return Number.isInteger(n) ? n : Number.NaN;
}

function ms(value: string | undefined): number | undefined {
  const seconds = durationSeconds(value);
  return seconds === undefined ? undefined : seconds * 1000;
}

/** The metric's settings; problems (bad durations, non-integers) are listed, not thrown. */
export function metricSettings(metric: Metric): { settings: MetricSettings; problems: string[] } {
  const problems: string[] = [];
  const read = (field: keyof Metric, value: number | undefined, min = 0): number | undefined => {
    if (value !== undefined && !(value >= min))
      problems.push(`metric "${metric.name}": ${field} must be an integer >= ${min}`);
    return value;
  };
  const interval = read('interval', ms(metric.interval), 1);
  const count = read('count', intOf(metric.count));
  const settings: MetricSettings = {
    intervalMs: interval,
    initialDelayMs: read('initialDelay', ms(metric.initialDelay)) ?? 0,
    // Without an interval a metric is measured once; with one, until terminated unless counted.
    count: count ?? (interval === undefined ? 1 : undefined),
    failureLimit:
      read('failureLimit', intOf(metric.failureLimit), -1) ?? MetricDefaults.failureLimit,
    inconclusiveLimit:
      read('inconclusiveLimit', intOf(metric.inconclusiveLimit)) ??
      MetricDefaults.inconclusiveLimit,
    consecutiveErrorLimit:
      read('consecutiveErrorLimit', intOf(metric.consecutiveErrorLimit)) ??
      MetricDefaults.consecutiveErrorLimit,
    consecutiveSuccessLimit: read('consecutiveSuccessLimit', intOf(metric.consecutiveSuccessLimit)),
  };
  if (settings.count !== undefined && settings.count > 1 && interval === undefined)
    problems.push(`metric "${metric.name}": count > 1 needs an interval`);
  return { settings, problems };
}

const terminal = new Set<string>([
  AnalysisPhase.Successful,
  AnalysisPhase.Failed,
  AnalysisPhase.Error,
  AnalysisPhase.Inconclusive,
]);

/** True for a phase that ends a metric or a run. */
export function isTerminal(phase: string | undefined): boolean {
  return phase !== undefined && terminal.has(phase);
}

function lastOf(result: MetricResult | undefined): Measurement | undefined {
  const list = result?.measurements ?? [];
  return list[list.length - 1];
}

/**
 * When the metric's next measurement is due (ms), or undefined when it needs none. A measurement
 * still Running (a Job) is due again at its resumeAt.
 */
export function nextDue(
  settings: MetricSettings,
  result: MetricResult | undefined,
  runStartedAt: number,
): number | undefined {
  if (result && isTerminal(result.phase)) return undefined;
  const last = lastOf(result);
  if (!last) return runStartedAt + settings.initialDelayMs;
  if (last.phase === AnalysisPhase.Running) return timeOf(last.resumeAt, runStartedAt);
  if (result && countReached(settings, result)) return undefined;
  return timeOf(last.finishedAt ?? last.startedAt, runStartedAt) + waitAfter(settings, last);
}

/** After an error Argo retries sooner than the interval, but never in a tight loop. */
function waitAfter(settings: MetricSettings, last: Measurement): number {
  if (last.phase === AnalysisPhase.Error)
    return Math.min(settings.intervalMs ?? errorRetryMs, errorRetryMs);
  return settings.intervalMs ?? 0;
}

/** Longest wait before measuring again after an error. */
const errorRetryMs = 10_000;

function timeOf(stamp: string | undefined, fallback: number): number {
  const t = stamp ? Date.parse(stamp) : Number.NaN;
  return Number.isNaN(t) ? fallback : t;
}

function countReached(settings: MetricSettings, result: MetricResult): boolean {
  return settings.count !== undefined && (result.count ?? 0) >= settings.count;
}

/** Counters of a metric after one more finished measurement. */
export function countMeasurement(result: MetricResult, phase: string): MetricResult {
  const inc = (n: number | undefined): number => (n ?? 0) + 1;
  const next: MetricResult = { ...result, count: inc(result.count) };
  switch (phase) {
    case AnalysisPhase.Successful:
      return {
        ...next,
        successful: inc(result.successful),
        consecutiveError: 0,
        consecutiveSuccess: inc(result.consecutiveSuccess),
      };
    case AnalysisPhase.Failed:
      return { ...next, failed: inc(result.failed), consecutiveError: 0, consecutiveSuccess: 0 };
    case AnalysisPhase.Inconclusive:
      return {
        ...next,
        inconclusive: inc(result.inconclusive),
        consecutiveError: 0,
        consecutiveSuccess: 0,
      };
    default:
      // Errors are not measurements of the app: they do not use up `count`.
      return {
        ...result,
        error: inc(result.error),
        consecutiveError: inc(result.consecutiveError),
        consecutiveSuccess: 0,
      };
  }
}

/** The rules that end a metric, in Argo's order: failed, inconclusive, errors, success. */
const endRules: readonly [phase: string, ends: (s: MetricSettings, r: MetricResult) => boolean][] =
  [
    [AnalysisPhase.Failed, (s, r) => s.failureLimit >= 0 && (r.failed ?? 0) > s.failureLimit],
    [AnalysisPhase.Inconclusive, (s, r) => (r.inconclusive ?? 0) > s.inconclusiveLimit],
    [AnalysisPhase.Error, (s, r) => (r.consecutiveError ?? 0) > s.consecutiveErrorLimit],
    [
      AnalysisPhase.Successful,
      (s, r) =>
        (s.consecutiveSuccessLimit ?? 0) > 0 &&
        (r.consecutiveSuccess ?? 0) >= (s.consecutiveSuccessLimit ?? 0),
    ],
    [AnalysisPhase.Successful, countReached],
  ];

/** The metric's phase from its counters. */
export function assessMetric(settings: MetricSettings, result: MetricResult): string {
  return endRules.find(([, ends]) => ends(settings, result))?.[0] ?? AnalysisPhase.Running;
}

/** Keeps the newest `limit` measurements. */
export function retain(measurements: readonly Measurement[], limit: number): Measurement[] {
  return measurements.slice(Math.max(0, measurements.length - limit));
}
