// One pass of an AnalysisRun, decided purely in two halves around the measurements the
// controller takes: `dueMeasurements` says which metrics to measure now; `advanceRun` folds the
// outcomes into status (measurements, counters, metric and run phases) and says when to look
// again. A spec that cannot run is reported on the run before any measurement is taken.
import {
  AnalysisPhase,
  type AnalysisRun,
  type AnalysisRunStatus,
  type Measurement,
  type Metric,
  type MetricResult,
} from '../../api/analysis.js';
import type { MeasureOutcome } from '../../analysis/provider.js';
import { decideRunPhase } from '../../machines/analysis-run.js';
import { argValues, substituteArgs } from './args.js';
import { judge, parseConditions, type Judgement, type MetricConditions } from './judge.js';
import {
  assessMetric,
  countMeasurement,
  isTerminal,
  metricSettings,
  MetricDefaults,
  nextDue,
  retain,
  type MetricSettings,
} from './metric.js';

/** Providers ramp can measure with. */
const supportedProviders = ['prometheus', 'web', 'job'];

/** A metric ready to measure: its settings and parsed conditions. */
interface ReadyMetric {
  readonly metric: Metric;
  readonly settings: MetricSettings;
  readonly conditions: MetricConditions;
}

/**
 * Reads every metric with the args filled in; the first problem found makes the whole run
 * unrunnable (a condition that does not parse, a bad interval, an unknown provider or arg).
 */
export function prepareMetrics(
  raw: readonly Metric[],
  args: Readonly<Record<string, string>>,
): { ok: true; metrics: ReadyMetric[] } | { ok: false; error: string } {
  const ready: ReadyMetric[] = [];
  for (const original of raw) {
    const substituted = substituteArgs(original, args);
    if (!substituted.ok) return substituted;
    const metric = substituted.metric;
    const { settings, problems } = metricSettings(metric);
    if (problems.length > 0) return { ok: false, error: problems.join('; ') };
    const providers = Object.keys(metric.provider ?? {});
    if (providers.length !== 1)
      return { ok: false, error: `metric "${metric.name}": exactly one provider must be set` };
    if (!supportedProviders.includes(providers[0] as string))
      return {
        ok: false,
        error: `metric "${metric.name}": provider ${providers[0]} is not supported by ramp yet`,
      };
    const parsed = parseConditions(metric);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    ready.push({ metric, settings, conditions: parsed.conditions });
  }
  return { ok: true, metrics: ready };
}

/** The run's literal arg values (secret ones are resolved by the controller and passed in). */
export function plainArgs(run: AnalysisRun): Record<string, string> {
  return argValues(run.spec.args ?? [], {});
}

/** A measurement the controller should take now. */
export interface DueMeasurement {
  readonly metricName: string;
  /** 1-based number of the measurement (a resumed one keeps its number). */
  readonly index: number;
  /** The Running measurement to resume (a Job), if any. */
  readonly inProgress?: Measurement | undefined;
}

function resultOf(run: AnalysisRun, name: string): MetricResult | undefined {
  return run.status?.metricResults?.find((r) => r.name === name);
}

function startedAt(run: AnalysisRun, now: number): number {
  return run.status?.startedAt ? Date.parse(run.status.startedAt) : now;
}

/** The measurements due now; none once the run is over or terminated. */
export function dueMeasurements(
  run: AnalysisRun,
  now: number,
  args: Readonly<Record<string, string>> = plainArgs(run),
): DueMeasurement[] {
  if (isTerminal(run.status?.phase) || run.spec.terminate) return [];
  const prepared = prepareMetrics(run.spec.metrics, args);
  if (!prepared.ok) return [];
  const start = startedAt(run, now);
  return prepared.metrics.flatMap((ready) => {
    const result = resultOf(run, ready.metric.name);
    const due = nextDue(ready.settings, result, start);
    return due === undefined || due > now ? [] : [dueFor(ready.metric.name, result)];
  });
}

function dueFor(metricName: string, result: MetricResult | undefined): DueMeasurement {
  const last = result?.measurements?.[result.measurements.length - 1];
  const finished = (result?.count ?? 0) + (result?.error ?? 0);
  if (last?.phase === AnalysisPhase.Running)
    return { metricName, index: finished + 1, inProgress: last };
  return { metricName, index: finished + 1 };
}

/** What a pass decided: the status to write and when to look again. */
export interface RunDecision {
  readonly status: AnalysisRunStatus;
  readonly requeueAfterMs?: number | undefined;
}

/** Folds this pass's outcomes into status and decides the run's phase. */
export function advanceRun(
  run: AnalysisRun,
  now: number,
  outcomes: Readonly<Record<string, MeasureOutcome>>,
  args: Readonly<Record<string, string>> = plainArgs(run),
): RunDecision {
  const prepared = prepareMetrics(run.spec.metrics, args);
  const base: AnalysisRunStatus = {
    ...(run.status ?? {}),
    startedAt: run.status?.startedAt ?? new Date(now).toISOString(),
  };
  if (!prepared.ok) return { status: finish(base, 'Error', prepared.error, now) };
  const names = prepared.metrics.map((m) => m.metric.name);
  const rules = matchRules(run, names);
  if (!rules.ok) return { status: finish(base, 'Error', rules.error, now) };
  const results = prepared.metrics.map((ready) =>
    foldMetric(run, ready, { outcome: outcomes[ready.metric.name], now }, rules.rules),
  );
  const counted = results.filter((r) => !r.dryRun);
  const phase = decideRunPhase(run.status?.phase, {
    invalid: false,
    terminate: run.spec.terminate === true,
    metricPhases: counted.map((r) => r.phase),
    allMetricsDone: results.every((r) => isTerminal(r.phase)),
  });
  const status: AnalysisRunStatus = {
    ...base,
    phase,
    metricResults: results,
    runSummary: summary(counted),
    ...(counted.length < results.length
      ? { dryRunSummary: summary(results.filter((r) => r.dryRun)) }
      : {}),
  };
  if (isTerminal(phase))
    return {
      status: finish(
        { ...status, metricResults: results.map((r) => stopMeasurements(r, now)) },
        phase,
        runMessage(run, counted),
        now,
      ),
    };
  return { status, requeueAfterMs: requeue(run, prepared.metrics, results, now) };
}

/** Which metrics are dry-run and how many measurements each keeps. */
interface MatchRules {
  readonly dryRun: (name: string) => boolean;
  readonly retention: (name: string) => number;
}

/**
 * dryRun and measurementRetention name metrics by regular expression, as Argo does (".*" means
 * all); a rule that matches no metric is an error, so a typo cannot silently count a metric.
 */
function matchRules(
  run: AnalysisRun,
  names: readonly string[],
): { ok: true; rules: MatchRules } | { ok: false; error: string } {
  const dry = compileRules(
    (run.spec.dryRun ?? []).map((d) => ({ pattern: d.metricName, limit: 0 })),
  );
  const kept = compileRules(run.spec.measurementRetention ?? []);
  if (!dry.ok) return dry;
  if (!kept.ok) return kept;
  const unmatched = [...dry.rules, ...kept.rules].find((r) => !names.some((n) => r.re.test(n)));
  if (unmatched)
    return { ok: false, error: `metric name rule "${unmatched.pattern}" matches no metric` };
  return {
    ok: true,
    rules: {
      dryRun: (name) => dry.rules.some((r) => r.re.test(name)),
      retention: (name) =>
        kept.rules.find((r) => r.re.test(name))?.limit ?? MetricDefaults.measurementHistory,
    },
  };
}

function compileRules(
  list: readonly ({ pattern: string; limit: number } | { metricName: string; limit: number })[],
):
  | { ok: true; rules: { pattern: string; re: RegExp; limit: number }[] }
  | { ok: false; error: string } {
  const rules: { pattern: string; re: RegExp; limit: number }[] = [];
  for (const item of list) {
    const pattern = 'pattern' in item ? item.pattern : item.metricName;
    try {
      // Matched against short metric names only, so a costly pattern cannot hang the controller.
      rules.push({ pattern, re: new RegExp(pattern), limit: item.limit });
    } catch {
      return { ok: false, error: `metric name rule "${pattern}" is not a regular expression` };
    }
  }
  return { ok: true, rules };
}

/** A measurement still running when the run ends is closed as Argo does ("Metric Terminated"). */
function stopMeasurements(result: MetricResult, now: number): MetricResult {
  const list = result.measurements ?? [];
  const last = list[list.length - 1];
  if (last?.phase !== AnalysisPhase.Running) return result;
  const stopped: Measurement = {
    ...last,
    phase: AnalysisPhase.Successful,
    message: 'Metric Terminated',
    finishedAt: new Date(now).toISOString(),
  };
  return { ...result, measurements: [...list.slice(0, -1), stopped] };
}

function finish(
  status: AnalysisRunStatus,
  phase: string,
  message: string | undefined,
  now: number,
): AnalysisRunStatus {
  return {
    ...status,
    phase,
    ...(message ? { message } : {}),
    completedAt: status.completedAt ?? new Date(now).toISOString(),
  };
}

/** One metric after this pass: the new measurement (if any) recorded and counted. */
function foldMetric(
  run: AnalysisRun,
  ready: ReadyMetric,
  pass: { readonly outcome: MeasureOutcome | undefined; readonly now: number },
  rules: MatchRules,
): MetricResult {
  const dryRun = rules.dryRun(ready.metric.name);
  const { outcome, now } = pass;
  const { metric, settings, conditions } = ready;
  const previous: MetricResult = resultOf(run, metric.name) ?? {
    name: metric.name,
    phase: AnalysisPhase.Pending,
  };
  if (isTerminal(previous.phase)) return previous;
  const recorded = outcome ? record(previous, outcome, conditions, now) : previous;
  const measurements = retain(recorded.measurements ?? [], rules.retention(metric.name));
  const phase = run.spec.terminate
    ? terminatedPhase(settings, recorded)
    : assessMetric(settings, recorded);
  return {
    ...recorded,
    measurements,
    phase:
      phase === AnalysisPhase.Running && !recorded.measurements ? AnalysisPhase.Pending : phase,
    ...(dryRun ? { dryRun: true } : {}),
    ...(isTerminal(phase) ? { message: metricMessage(settings, recorded, phase) } : {}),
  };
}

/** A terminated metric ends where its counters put it, or Successful. */
function terminatedPhase(settings: MetricSettings, result: MetricResult): string {
  const phase = assessMetric(settings, result);
  return isTerminal(phase) ? phase : AnalysisPhase.Successful;
}

function record(
  previous: MetricResult,
  outcome: MeasureOutcome,
  conditions: MetricConditions,
  now: number,
): MetricResult {
  const list = [...(previous.measurements ?? [])];
  const resumed = list[list.length - 1]?.phase === AnalysisPhase.Running ? list.pop() : undefined;
  const judged = judge(outcome, conditions);
  const measurement = measurementOf(judged, outcome, resumed, now);
  const withMeasurement = { ...previous, measurements: [...list, measurement] };
  if (judged.phase === AnalysisPhase.Running) return withMeasurement;
  return countMeasurement(withMeasurement, judged.phase);
}

function measurementOf(
  judged: Judgement,
  outcome: MeasureOutcome,
  resumed: Measurement | undefined,
  now: number,
): Measurement {
  const at = new Date(now).toISOString();
  const resumeAfter = outcome.kind === 'phase' ? (outcome.resumeAfterMs ?? 1000) : 0;
  return {
    phase: judged.phase,
    startedAt: resumed?.startedAt ?? at,
    ...(judged.phase === AnalysisPhase.Running
      ? { resumeAt: new Date(now + resumeAfter).toISOString() }
      : { finishedAt: at }),
    ...(judged.value !== undefined ? { value: judged.value } : {}),
    ...(judged.message ? { message: judged.message } : {}),
    ...metadataOf(outcome, resumed),
  };
}

function metadataOf(
  outcome: MeasureOutcome,
  resumed: Measurement | undefined,
): { metadata?: Record<string, string> } {
  const metadata = {
    ...(resumed?.metadata ?? {}),
    ...(outcome.kind === 'error' ? {} : (outcome.metadata ?? {})),
  };
  return Object.keys(metadata).length > 0 ? { metadata } : {};
}

/** Argo's wording for why a metric ended. */
function metricMessage(settings: MetricSettings, result: MetricResult, phase: string): string {
  const last = result.measurements?.[result.measurements.length - 1]?.message;
  const why: Record<string, string> = {
    [AnalysisPhase.Failed]: `failed (${result.failed ?? 0}) > failureLimit (${settings.failureLimit})`,
    [AnalysisPhase.Inconclusive]: `inconclusive (${result.inconclusive ?? 0}) > inconclusiveLimit (${settings.inconclusiveLimit})`,
    [AnalysisPhase.Error]: `consecutiveErrors (${result.consecutiveError ?? 0}) > consecutiveErrorLimit (${settings.consecutiveErrorLimit})`,
  };
  const reason = why[phase];
  if (!reason) return result.message ?? '';
  return `Metric "${result.name}" assessed ${phase} due to ${reason}${last ? `: ${last}` : ''}`;
}

/** The run's message: the first metric that decided it, or "Run Terminated". */
function runMessage(run: AnalysisRun, results: readonly MetricResult[]): string | undefined {
  const decisive = results.find((r) => isTerminal(r.phase) && r.phase !== AnalysisPhase.Successful);
  if (decisive?.message) return decisive.message;
  return run.spec.terminate ? 'Run Terminated' : undefined;
}

function summary(results: readonly MetricResult[]): NonNullable<AnalysisRunStatus['runSummary']> {
  const n = (phase: string) => results.filter((r) => r.phase === phase).length;
  return {
    count: results.length,
    successful: n(AnalysisPhase.Successful),
    failed: n(AnalysisPhase.Failed),
    inconclusive: n(AnalysisPhase.Inconclusive),
    error: n(AnalysisPhase.Error),
  };
}

/** Milliseconds until the soonest next measurement of a live metric. */
function requeue(
  run: AnalysisRun,
  metrics: readonly ReadyMetric[],
  results: readonly MetricResult[],
  now: number,
): number | undefined {
  const start = startedAt(run, now);
  const dues = metrics
    .map((m, i) => nextDue(m.settings, results[i], start))
    .filter((d): d is number => d !== undefined);
  return dues.length === 0 ? undefined : Math.max(0, Math.min(...dues) - now);
}

/**
 * When a finished run may be deleted under its ttlStrategy (ms), or undefined to keep it. The
 * outcome-specific setting wins over secondsAfterCompletion.
 */
export function expiresAt(run: AnalysisRun): number | undefined {
  const completed = Date.parse(run.status?.completedAt ?? '');
  if (Number.isNaN(completed) || !isTerminal(run.status?.phase)) return undefined;
  const seconds = ttlSeconds(run);
  return seconds === undefined ? undefined : completed + seconds * 1000;
}

function ttlSeconds(run: AnalysisRun): number | undefined {
  const ttl = run.spec.ttlStrategy ?? {};
  const specific =
    run.status?.phase === AnalysisPhase.Successful
      ? ttl.secondsAfterSuccess
      : ttl.secondsAfterFailure;
  return specific ?? ttl.secondsAfterCompletion;
}

/** Measurements that were running before this pass and were closed as the run ended. */
export function stoppedMeasurements(
  run: AnalysisRun,
  next: AnalysisRunStatus,
): { metricName: string; measurement: Measurement }[] {
  return (next.metricResults ?? []).flatMap((result) => {
    const before = resultOf(run, result.name)?.measurements?.at(-1);
    const after = result.measurements?.at(-1);
    const stopped =
      before?.phase === AnalysisPhase.Running && after?.message === 'Metric Terminated';
    return stopped && before ? [{ metricName: result.name, measurement: before }] : [];
  });
}
