// The AnalysisRun's pure logic: metric settings and defaults, judging an outcome against the
// conditions (no data included), counting, the run's phase, and scheduling by time stamps.
import { describe, expect, it } from 'vitest';

import type { AnalysisRun, Metric } from '../../src/api/analysis.js';
import type { MeasureOutcome } from '../../src/analysis/provider.js';
import { judge, parseConditions } from '../../src/decide/analysis/judge.js';
import { metricSettings } from '../../src/decide/analysis/metric.js';
import { advanceRun, dueMeasurements, expiresAt } from '../../src/decide/analysis/run.js';
import { substituteArgs } from '../../src/decide/analysis/args.js';
import { decideRunPhase } from '../../src/machines/analysis-run.js';

const t0 = Date.parse('2026-11-29T12:00:00Z');
const value = (v: unknown, empty = false): MeasureOutcome => ({
  kind: 'value',
  value: v,
  display: JSON.stringify(v),
  ...(empty ? { empty: true } : {}),
});

function conditions(success?: string, failure?: string) {
  const parsed = parseConditions({
    name: 'm',
    successCondition: success,
    failureCondition: failure,
  });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.conditions;
}

describe('judge', () => {
  it.each([
    ['result[0] >= 0.95', undefined, value([0.97]), 'Successful'],
    ['result[0] >= 0.95', undefined, value([0.9]), 'Failed'],
    [undefined, 'result[0] < 0.9', value([0.95]), 'Successful'],
    [undefined, 'result[0] < 0.9', value([0.5]), 'Failed'],
    ['result[0] >= 0.95', 'result[0] < 0.9', value([0.92]), 'Inconclusive'],
    ['result[0] >= 0.95', 'result[0] < 0.9', value([0.5]), 'Failed'],
    [undefined, undefined, value([1]), 'Successful'],
    ['result >= 0.95', undefined, value(0.99), 'Successful'],
    ['result[0] >= 0.95', undefined, value([], true), 'Inconclusive'],
    ['len(result) == 0 || result[0] >= 0.95', undefined, value([], true), 'Successful'],
    ['result[0] >= 0.95', undefined, value(['x']), 'Error'],
    ['result[0] >= 0.95', undefined, { kind: 'error', message: 'down' } as const, 'Error'],
    [undefined, undefined, { kind: 'phase', phase: 'Failed' } as const, 'Failed'],
  ])('success %s, failure %s on %j is %s', (success, failure, outcome, phase) => {
    expect(judge(outcome, conditions(success, failure)).phase).toBe(phase);
  });

  it('says "no data" when an empty result cannot be judged', () => {
    const judged = judge(value([], true), conditions('result[0] >= 0.95'));
    expect(judged.message).toMatch(/^no data: the query returned no samples/);
  });

  it('reports a condition that does not parse, naming the metric and the condition', () => {
    const parsed = parseConditions({ name: 'rate', successCondition: 'result[0] >=' });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(
      /^metric "rate": successCondition "result\[0\] >=": /,
    );
  });
});

describe('metricSettings', () => {
  it.each([
    [{}, { count: 1, intervalMs: undefined, consecutiveErrorLimit: 4, failureLimit: 0 }],
    [{ interval: '30s' }, { count: undefined, intervalMs: 30_000 }],
    [
      { interval: '1m', count: '5' },
      { count: 5, intervalMs: 60_000 },
    ],
    [
      { initialDelay: '10s', failureLimit: 2 },
      { initialDelayMs: 10_000, failureLimit: 2 },
    ],
  ])('%j reads as %j', (fields, expected) => {
    const { settings, problems } = metricSettings({ name: 'm', provider: {}, ...fields });
    expect(problems).toEqual([]);
    expect(settings).toMatchObject(expected);
  });

  it.each([
    [{ count: 3 }, 'count > 1 needs an interval'],
    [{ interval: 'soon' }, 'interval must be'],
    [{ count: 'x', interval: '1s' }, 'count must be'],
  ])('%j is a problem: %s', (fields, problem) => {
    const { problems } = metricSettings({ name: 'm', provider: {}, ...fields });
    expect(problems.join()).toContain(problem);
  });
});

describe('decideRunPhase', () => {
  it.each([
    [undefined, [], false, 'Successful'],
    [undefined, ['Running'], false, 'Running'],
    ['Running', ['Successful', 'Running'], false, 'Running'],
    ['Running', ['Successful', 'Successful'], false, 'Successful'],
    ['Running', ['Inconclusive', 'Error'], false, 'Error'],
    ['Running', ['Error', 'Failed'], false, 'Failed'],
    ['Running', ['Running'], true, 'Successful'],
    ['Failed', ['Successful'], false, 'Failed'],
  ])('from %s with %j (terminate %s) to %s', (from, phases, terminate, to) => {
    expect(decideRunPhase(from, { invalid: false, terminate, metricPhases: phases })).toBe(to);
  });
});

function run(metrics: Metric[], extra: Partial<AnalysisRun['spec']> = {}): AnalysisRun {
  return { metadata: { name: 'r', namespace: 'ns' }, spec: { metrics, ...extra } };
}

/** Runs passes at the given times with one outcome per due measurement. */
function drive(r: AnalysisRun, times: number[], outcome: (name: string) => MeasureOutcome) {
  let current = r;
  let last: ReturnType<typeof advanceRun> | undefined;
  for (const now of times) {
    const due = dueMeasurements(current, now);
    const outcomes = Object.fromEntries(due.map((d) => [d.metricName, outcome(d.metricName)]));
    last = advanceRun(current, now, outcomes);
    current = { ...current, status: last.status };
  }
  return { run: current, last: last! };
}

describe('advanceRun', () => {
  const rate: Metric = {
    name: 'rate',
    interval: '10s',
    count: 3,
    successCondition: 'result[0] >= 0.95',
    provider: { prometheus: { query: 'q' } },
  };

  it('measures on its interval and succeeds after count measurements', () => {
    const { run: r, last } = drive(run([rate]), [t0, t0 + 5_000, t0 + 10_000, t0 + 20_000], () =>
      value([0.99]),
    );
    expect(r.status?.phase).toBe('Successful');
    const result = r.status?.metricResults?.[0];
    expect(result).toMatchObject({ phase: 'Successful', count: 3, successful: 3 });
    expect(result?.measurements?.map((m) => m.value)).toEqual(['[0.99]', '[0.99]', '[0.99]']);
    expect(last.requeueAfterMs).toBeUndefined();
    expect(r.status?.runSummary).toEqual({
      count: 1,
      successful: 1,
      failed: 0,
      inconclusive: 0,
      error: 0,
    });
  });

  it('waits for the interval: a pass in between takes no measurement and says when to come back', () => {
    const first = drive(run([rate]), [t0], () => value([0.99]));
    expect(first.last.requeueAfterMs).toBe(10_000);
    expect(dueMeasurements(first.run, t0 + 9_999)).toEqual([]);
    expect(dueMeasurements(first.run, t0 + 10_000)).toEqual([{ metricName: 'rate', index: 2 }]);
  });

  it('fails at the first failure beyond failureLimit, with Argo’s message', () => {
    const { run: r } = drive(run([rate]), [t0], () => value([0.5]));
    expect(r.status).toMatchObject({
      phase: 'Failed',
      message: 'Metric "rate" assessed Failed due to failed (1) > failureLimit (0)',
    });
  });

  it('errors only after more than consecutiveErrorLimit errors, which do not use up count', () => {
    const times = [0, 1, 2, 3, 4].map((i) => t0 + i * 10_000);
    const four = drive(run([rate]), times.slice(0, 4), () => ({ kind: 'error', message: 'down' }));
    expect(four.run.status?.phase).toBe('Running');
    expect(four.run.status?.metricResults?.[0]).toMatchObject({ error: 4, consecutiveError: 4 });
    const five = drive(run([rate]), times, () => ({ kind: 'error', message: 'down' }));
    expect(five.run.status?.phase).toBe('Error');
    expect(five.run.status?.message).toContain('consecutiveErrors (5) > consecutiveErrorLimit (4)');
  });

  it('leaves dry-run metrics out of the run’s phase', () => {
    const { run: r } = drive(
      run([{ name: 'rate', successCondition: 'result[0] >= 0.95', provider: rate.provider }], {
        dryRun: [{ metricName: 'rate' }],
      }),
      [t0],
      () => value([0.5]),
    );
    expect(r.status?.phase).toBe('Successful');
    expect(r.status?.metricResults?.[0]).toMatchObject({ phase: 'Failed', dryRun: true });
  });

  it('matches dryRun by regular expression (".*" is every metric) and rejects unmatched rules', () => {
    const all = drive(
      run([{ ...rate, count: 1, interval: '1s' }], { dryRun: [{ metricName: '.*' }] }),
      [t0],
      () => value([0.5]),
    );
    expect(all.run.status?.phase).toBe('Successful');
    expect(all.run.status?.dryRunSummary).toMatchObject({ count: 1, failed: 1 });
    const typo = advanceRun(run([rate], { dryRun: [{ metricName: 'rat$' }] }), t0, {});
    expect(typo.status).toMatchObject({
      phase: 'Error',
      message: 'metric name rule "rat$" matches no metric',
    });
  });

  it('does not end a run before its dry-run metrics are measured', () => {
    const r = run([rate], { dryRun: [{ metricName: 'rate' }] });
    expect(advanceRun(r, t0, {}).status.phase).toBe('Running');
  });

  it('retries an error after at most 10 s, even with no interval or a long one', () => {
    const once: Metric = {
      name: 'once',
      successCondition: 'result[0] > 0',
      provider: rate.provider,
    };
    const first = advanceRun(run([once]), t0, { once: { kind: 'error', message: 'down' } });
    expect(first.requeueAfterMs).toBe(10_000);
    const slow = advanceRun(run([{ ...rate, interval: '5m' }]), t0, {
      rate: { kind: 'error', message: 'down' },
    });
    expect(slow.requeueAfterMs).toBe(10_000);
  });

  it('keeps measurementRetention measurements', () => {
    const times = [0, 1, 2, 3, 4].map((i) => t0 + i * 10_000);
    const { run: r } = drive(
      run([{ ...rate, count: 5 }], { measurementRetention: [{ metricName: 'rate', limit: 2 }] }),
      times,
      () => value([0.99]),
    );
    expect(r.status?.metricResults?.[0]?.measurements).toHaveLength(2);
    expect(r.status?.metricResults?.[0]?.count).toBe(5);
  });

  it('ends a terminated run Successful with "Run Terminated"', () => {
    const { count: _count, ...unbounded } = rate;
    void _count;
    const started = drive(run([unbounded]), [t0], () => value([0.99]));
    const terminated = advanceRun(
      { ...started.run, spec: { ...started.run.spec, terminate: true } },
      t0 + 1,
      {},
    );
    expect(terminated.status).toMatchObject({ phase: 'Successful', message: 'Run Terminated' });
  });

  it('reports a broken condition on the run before measuring anything', () => {
    const broken = run([{ ...rate, successCondition: 'result[0] >= >=' }]);
    expect(dueMeasurements(broken, t0)).toEqual([]);
    const { status } = advanceRun(broken, t0, {});
    expect(status.phase).toBe('Error');
    expect(status.message).toMatch(/^metric "rate": successCondition /);
  });

  it('resumes a Running measurement (a Job) instead of starting another', () => {
    const job: Metric = { name: 'job', provider: { job: { spec: {} } } };
    const first = advanceRun(run([job]), t0, {
      job: { kind: 'phase', phase: 'Running', metadata: { 'job-name': 'j' }, resumeAfterMs: 2_000 },
    });
    const r = { ...run([job]), status: first.status };
    expect(first.requeueAfterMs).toBe(2_000);
    expect(dueMeasurements(r, t0 + 1_000)).toEqual([]);
    const due = dueMeasurements(r, t0 + 2_000);
    expect(due.map((d) => [d.metricName, d.index, d.inProgress?.phase])).toEqual([
      ['job', 1, 'Running'],
    ]);
    const done = advanceRun(r, t0 + 2_000, { job: { kind: 'phase', phase: 'Successful' } });
    expect(done.status.phase).toBe('Successful');
    expect(done.status.metricResults?.[0]?.measurements).toEqual([
      expect.objectContaining({ phase: 'Successful', metadata: { 'job-name': 'j' } }),
    ]);
  });
});

describe('substituteArgs', () => {
  const metric: Metric = {
    name: 'm',
    successCondition: 'result[0] >= {{ args.min }}',
    provider: { prometheus: { query: 'rate(x{svc="{{args.svc}}"}[1m])' } },
  };
  it('replaces placeholders everywhere', () => {
    expect(substituteArgs(metric, { min: '0.9', svc: 'web' })).toEqual({
      ok: true,
      metric: {
        name: 'm',
        successCondition: 'result[0] >= 0.9',
        provider: { prometheus: { query: 'rate(x{svc="web"}[1m])' } },
      },
    });
  });
  it('names a missing arg', () => {
    expect(substituteArgs(metric, { min: '1' })).toEqual({
      ok: false,
      error: 'metric "m": no value for args.svc',
    });
  });
});

describe('expiresAt', () => {
  const done = (phase: string, ttl: Record<string, number> | undefined): AnalysisRun => ({
    metadata: { name: 'r' },
    spec: { metrics: [], ...(ttl ? { ttlStrategy: ttl } : {}) },
    status: { phase, completedAt: new Date(t0).toISOString() },
  });
  it.each([
    ['Successful', undefined, undefined],
    ['Successful', { secondsAfterCompletion: 60 }, t0 + 60_000],
    ['Successful', { secondsAfterCompletion: 60, secondsAfterSuccess: 5 }, t0 + 5_000],
    ['Failed', { secondsAfterCompletion: 60, secondsAfterSuccess: 5 }, t0 + 60_000],
    ['Error', { secondsAfterFailure: 10 }, t0 + 10_000],
    ['Running', { secondsAfterCompletion: 1 }, undefined],
  ])('%s with %j expires at %s', (phase, ttl, at) => {
    expect(expiresAt(done(phase, ttl))).toBe(at);
  });
});
