// The controller's metrics as Prometheus reads them (text exposition), and the metrics server's
// health endpoints.
import { createServer } from 'node:net';

import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  createControllerMetrics,
  rolloutMetricPhase,
  type ControllerMetrics,
  type RolloutSnapshot,
} from '../../src/observability/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/observability/server.js';

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of one series name in an exposition (label values in tests need no escaping). */
function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g))
      labels[k!] = v!;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

function matching(text: string, name: string, want: Record<string, string>): Sample[] {
  return samples(text, name).filter((s) =>
    Object.entries(want).every(([k, v]) => s.labels[k] === v),
  );
}

const quiet = (maxSeries?: number): ControllerMetrics =>
  createControllerMetrics({ defaultMetrics: false, version: '9.9.9', maxSeries });

function rollout(name: string, over: Partial<RolloutSnapshot> = {}): RolloutSnapshot {
  return {
    namespace: 'ns',
    name,
    strategy: 'canary',
    phase: 'Healthy',
    replicas: { desired: 5, available: 4, updated: 3, unavailable: 1 },
    ...over,
  };
}

const aborted = [
  { type: 'Progressing', reason: 'RolloutAborted' },
  { type: 'Available', reason: 'AvailableReason' },
];

describe('rollout metrics', () => {
  it('exposes rollout_info and rollout_info_replicas_* with Argo’s labels', async () => {
    const m = quiet();
    m.setRollout(rollout('web', { trafficRouter: 'Nginx' }));
    const text = await m.registry.metrics();
    expect(text).toContain('# TYPE rollout_info gauge');
    expect(samples(text, 'rollout_info')).toEqual([
      {
        labels: {
          namespace: 'ns',
          name: 'web',
          strategy: 'canary',
          traffic_router: 'Nginx',
          phase: 'Completed',
        },
        value: 1,
      },
    ]);
    const replicas = (field: string): Sample[] => samples(text, `rollout_info_replicas_${field}`);
    expect(replicas('desired')).toEqual([{ labels: { namespace: 'ns', name: 'web' }, value: 5 }]);
    expect(replicas('available')[0]?.value).toBe(4);
    expect(replicas('updated')[0]?.value).toBe(3);
    expect(replicas('unavailable')[0]?.value).toBe(1);
  });

  it('reports rollout_phase one-hot over Argo’s six phases', async () => {
    const m = quiet();
    m.setRollout(rollout('web', { strategy: 'blueGreen', phase: 'Degraded', conditions: aborted }));
    const phases = samples(await m.registry.metrics(), 'rollout_phase');
    expect(phases.map((s) => s.labels.phase).sort()).toEqual(
      ['Abort', 'Completed', 'Error', 'Paused', 'Progressing', 'Timeout'].sort(),
    );
    expect(phases.filter((s) => s.value === 1).map((s) => s.labels.phase)).toEqual(['Abort']);
    expect(phases.every((s) => s.labels.strategy === 'blueGreen' && s.labels.name === 'web')).toBe(
      true,
    );
  });

  it('moves the phase on the next set without leaving the old rollout_info series behind', async () => {
    const m = quiet();
    m.setRollout(rollout('web', { phase: 'Paused' }));
    m.setRollout(rollout('web', { phase: 'Degraded', conditions: aborted }));
    const text = await m.registry.metrics();
    expect(samples(text, 'rollout_info').map((s) => s.labels.phase)).toEqual(['Abort']);
    expect(matching(text, 'rollout_phase', { phase: 'Paused' })[0]?.value).toBe(0);
    expect(matching(text, 'rollout_phase', { phase: 'Abort' })[0]?.value).toBe(1);
  });

  it.each([
    [[{ type: 'Progressing', reason: 'NewReplicaSetAvailable' }], 'Completed'],
    [[{ type: 'Progressing', reason: 'RolloutPaused' }], 'Paused'],
    [[{ type: 'Progressing', reason: 'ReplicaSetCreateError' }], 'Error'],
    [[{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }], 'Timeout'],
    [[{ type: 'Progressing', reason: 'RolloutAborted' }], 'Abort'],
    [[{ type: 'Progressing', reason: 'ReplicaSetUpdated' }], 'Progressing'],
    [[], 'Progressing'],
    [
      [
        { type: 'Progressing', reason: 'NewReplicaSetAvailable' },
        { type: 'InvalidSpec', reason: 'InvalidSpec' },
      ],
      'InvalidSpec',
    ],
  ])('computes the phase from conditions as Argo does: %j → %s', (conditions, expected) => {
    expect(rolloutMetricPhase({ phase: 'Healthy', conditions })).toBe(expected);
  });

  it.each([
    ['Healthy', 'Completed'],
    ['Progressing', 'Progressing'],
    ['Paused', 'Paused'],
    ['Degraded', 'Abort'],
    ['', 'Progressing'],
  ])('falls back to status.phase %s → %s without conditions', (phase, expected) => {
    expect(rolloutMetricPhase({ phase })).toBe(expected);
  });

  it('times reconciles in Argo’s buckets and counts errors from 0', async () => {
    const m = quiet();
    m.observeReconcile('rollout', 'ns', 'web', 0.2, false);
    let text = await m.registry.metrics();
    expect(text).toContain('# TYPE rollout_reconcile histogram');
    expect(samples(text, 'rollout_reconcile_bucket').map((s) => [s.labels.le, s.value])).toEqual([
      ['0.01', 0],
      ['0.15', 0],
      ['0.25', 1],
      ['0.5', 1],
      ['1', 1],
      ['+Inf', 1],
    ]);
    expect(samples(text, 'rollout_reconcile_count')).toEqual([
      { labels: { namespace: 'ns', name: 'web' }, value: 1 },
    ]);
    expect(samples(text, 'rollout_reconcile_error')).toEqual([
      { labels: { namespace: 'ns', name: 'web' }, value: 0 },
    ]);
    m.observeReconcile('rollout', 'ns', 'web', 0.01, true);
    m.observeReconcile('analysisrun', 'ns', 'run', 2, true);
    text = await m.registry.metrics();
    expect(samples(text, 'rollout_reconcile_error')[0]?.value).toBe(1);
    expect(samples(text, 'analysis_run_reconcile_count')[0]?.labels).toEqual({
      namespace: 'ns',
      name: 'run',
    });
    expect(samples(text, 'analysis_run_reconcile_error')[0]?.value).toBe(1);
  });

  it('ignores a NaN or negative duration instead of throwing into the caller', async () => {
    const m = quiet();
    expect(() => m.observeReconcile('rollout', 'ns', 'web', Number.NaN, true)).not.toThrow();
    m.observeReconcile('rollout', 'ns', 'web', -3, false);
    m.queue('rollouts').latency(Number.NaN);
    const text = await m.registry.metrics();
    expect(samples(text, 'rollout_reconcile_count')[0]?.value).toBe(1);
    expect(samples(text, 'rollout_reconcile_sum')[0]?.value).toBe(0);
    expect(samples(text, 'rollout_reconcile_error')[0]?.value).toBe(1);
  });

  it('forgetRollout removes every series of that rollout and no other', async () => {
    const m = quiet();
    for (const name of ['web', 'api']) {
      m.setRollout(rollout(name));
      m.observeReconcile('rollout', 'ns', name, 0.1, true);
    }
    m.forgetRollout('ns', 'web');
    const text = await m.registry.metrics();
    expect(text).not.toContain('name="web"');
    for (const name of [
      'rollout_info',
      'rollout_info_replicas_desired',
      'rollout_phase',
      'rollout_reconcile_count',
      'rollout_reconcile_error',
    ])
      expect(matching(text, name, { name: 'api' }).length, name).toBeGreaterThan(0);
  });
});

describe('forgetting', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ignores the deleting pass’s own timing after forget, without counting a drop', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const m = quiet();
    m.setRollout(rollout('web'));
    m.observeReconcile('rollout', 'ns', 'web', 0.1, false);
    m.forgetRollout('ns', 'web');
    // The pass that saw the Rollout deleted ends after forgetRollout.
    m.observeReconcile('rollout', 'ns', 'web', 0.1, true);
    m.observeReconcile('analysisrun', 'ns', 'web', 0.1, false); // another family is unaffected
    let text = await m.registry.metrics();
    expect(matching(text, 'rollout_reconcile_count', { name: 'web' })).toEqual([]);
    expect(matching(text, 'analysis_run_reconcile_count', { name: 'web' })).toHaveLength(1);
    expect(
      matching(text, 'ramp_metrics_series_dropped_total', { family: 'rollout' })[0]?.value,
    ).toBe(0);

    // A minute later the name is an ordinary new object again.
    vi.advanceTimersByTime(61_000);
    m.observeReconcile('rollout', 'ns', 'web', 0.1, false);
    text = await m.registry.metrics();
    expect(matching(text, 'rollout_reconcile_count', { name: 'web' })[0]?.value).toBe(1);
  });

  it('takes a re-created object back at once through setRollout', async () => {
    const m = quiet();
    m.setRollout(rollout('web'));
    m.forgetRollout('ns', 'web');
    m.setRollout(rollout('web', { phase: 'Paused' }));
    m.observeReconcile('rollout', 'ns', 'web', 0.1, false);
    const text = await m.registry.metrics();
    expect(samples(text, 'rollout_info').map((s) => s.labels.phase)).toEqual(['Paused']);
    expect(matching(text, 'rollout_reconcile_count', { name: 'web' })[0]?.value).toBe(1);
  });
});

describe('analysis run metrics', () => {
  it('exposes info, one-hot phase, metric type and one-hot metric phase', async () => {
    const m = quiet();
    m.setAnalysisRun({
      namespace: 'ns',
      name: 'web-abc-1',
      phase: 'Failed',
      metrics: [
        { name: 'success-rate', type: 'Prometheus', phase: 'Failed' },
        { name: 'smoke', type: 'Job', phase: '', dryRun: true },
      ],
    });
    const text = await m.registry.metrics();
    expect(samples(text, 'analysis_run_info')).toEqual([
      { labels: { namespace: 'ns', name: 'web-abc-1', phase: 'Failed' }, value: 1 },
    ]);
    const runPhases = samples(text, 'analysis_run_phase');
    expect(runPhases).toHaveLength(6);
    expect(runPhases.filter((s) => s.value === 1).map((s) => s.labels.phase)).toEqual(['Failed']);
    expect(samples(text, 'analysis_run_metric_type').map((s) => s.labels)).toEqual([
      { namespace: 'ns', name: 'web-abc-1', metric: 'success-rate', type: 'Prometheus' },
      { namespace: 'ns', name: 'web-abc-1', metric: 'smoke', type: 'Job' },
    ]);
    const hot = samples(text, 'analysis_run_metric_phase').filter((s) => s.value === 1);
    expect(hot.map((s) => s.labels)).toEqual([
      {
        namespace: 'ns',
        name: 'web-abc-1',
        metric: 'success-rate',
        type: 'Prometheus',
        dry_run: 'false',
        phase: 'Failed',
      },
      // Argo counts a metric with no result yet as Pending.
      {
        namespace: 'ns',
        name: 'web-abc-1',
        metric: 'smoke',
        type: 'Job',
        dry_run: 'true',
        phase: 'Pending',
      },
    ]);
    expect(samples(text, 'analysis_run_metric_phase')).toHaveLength(12);
  });

  it('forgetAnalysisRun removes its series', async () => {
    const m = quiet();
    m.setAnalysisRun({ namespace: 'ns', name: 'r1', phase: 'Running', metrics: [] });
    m.observeReconcile('analysisrun', 'ns', 'r1', 0.1, false);
    m.forgetAnalysisRun('ns', 'r1');
    expect(await m.registry.metrics()).not.toContain('name="r1"');
  });
});

describe('cardinality cap', () => {
  it('adds no new objects past maxSeries and counts what it refused', async () => {
    const m = quiet(2);
    m.setRollout(rollout('a'));
    m.setRollout(rollout('b'));
    m.setRollout(rollout('c'));
    m.observeReconcile('rollout', 'ns', 'd', 0.1, false);
    m.setRollout(rollout('a', { phase: 'Paused' })); // known objects keep updating
    let text = await m.registry.metrics();
    expect(samples(text, 'rollout_info').map((s) => [s.labels.name, s.labels.phase])).toEqual([
      ['a', 'Paused'],
      ['b', 'Completed'],
    ]);
    expect(text).not.toMatch(/name="[cd]"/);
    expect(matching(text, 'ramp_metrics_series_dropped_total', { family: 'rollout' })).toEqual([
      { labels: { family: 'rollout' }, value: 2 },
    ]);

    // The cap is per family: AnalysisRuns still get series.
    m.setAnalysisRun({ namespace: 'ns', name: 'r', phase: 'Running', metrics: [] });
    // Forgetting frees a place.
    m.forgetRollout('ns', 'a');
    m.setRollout(rollout('c'));
    text = await m.registry.metrics();
    expect(samples(text, 'rollout_info').map((s) => s.labels.name)).toEqual(['b', 'c']);
    expect(samples(text, 'analysis_run_info')).toHaveLength(1);
    expect(
      matching(text, 'ramp_metrics_series_dropped_total', { family: 'analysisrun' })[0]?.value,
    ).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN])('refuses maxSeries %s', (maxSeries) => {
    expect(() => createControllerMetrics({ defaultMetrics: false, maxSeries })).toThrow(RangeError);
  });

  it('defaults to 10,000 objects per family', async () => {
    const m = quiet();
    for (let i = 0; i <= 10_000; i++) m.setRollout(rollout(`r${i}`));
    const text = await m.registry.metrics();
    expect(samples(text, 'rollout_info')).toHaveLength(10_000);
    expect(
      matching(text, 'ramp_metrics_series_dropped_total', { family: 'rollout' })[0]?.value,
    ).toBe(1);
  });
});

describe('notifications, work queues, process', () => {
  it('counts notifications per service and trigger under Argo’s names', async () => {
    const m = quiet();
    m.notificationSent('slack', 'on-rollout-completed');
    m.notificationSent('slack', 'on-rollout-completed');
    m.notificationFailed('webhook', 'on-rollout-aborted');
    const text = await m.registry.metrics();
    expect(samples(text, 'notification_send_success')).toEqual([
      { labels: { service: 'slack', trigger: 'on-rollout-completed' }, value: 2 },
    ]);
    expect(samples(text, 'notification_send_error')).toEqual([
      { labels: { service: 'webhook', trigger: 'on-rollout-aborted' }, value: 1 },
    ]);
  });

  it('exposes client-go’s workqueue metrics, counters starting at 0', async () => {
    const m = quiet();
    const q = m.queue('rollouts');
    expect(m.queue('rollouts')).toBe(q);
    m.queue('analysisruns');
    let text = await m.registry.metrics();
    expect(matching(text, 'workqueue_adds_total', { name: 'analysisruns' })[0]?.value).toBe(0);
    q.added();
    q.added();
    q.retried();
    q.depth(7);
    q.latency(0.002);
    q.workDuration(0.5);
    text = await m.registry.metrics();
    const one = (name: string): number | undefined =>
      matching(text, name, { name: 'rollouts' })[0]?.value;
    expect(one('workqueue_adds_total')).toBe(2);
    expect(one('workqueue_retries_total')).toBe(1);
    expect(one('workqueue_depth')).toBe(7);
    expect(one('workqueue_queue_duration_seconds_count')).toBe(1);
    expect(one('workqueue_work_duration_seconds_sum')).toBe(0.5);
    expect(text).toContain('# TYPE workqueue_queue_duration_seconds histogram');
  });

  it('exposes ramp_controller_info and, by default, Node process metrics', async () => {
    expect(samples(await quiet().registry.metrics(), 'ramp_controller_info')).toEqual([
      { labels: { version: '9.9.9' }, value: 1 },
    ]);
    const text = await createControllerMetrics().registry.metrics();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(samples(text, name).length, name).toBeGreaterThan(0);
    expect(samples(text, 'ramp_controller_info')[0]?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('metrics server', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const get = async (path: string, init?: RequestInit): Promise<Response> =>
    fetch(`http://127.0.0.1:${server!.port}${path}`, init);

  it('answers /healthz always and /readyz from the callback', async () => {
    let synced = false;
    server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: quiet(),
      ready: () => synced,
    });
    expect(server.port).toBeGreaterThan(0);
    expect((await get('/healthz')).status).toBe(200);
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('not synced');
    synced = true;
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/metrics', { method: 'POST' })).status).toBe(405);
  });

  it('treats a throwing readiness callback as not ready', async () => {
    server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: quiet(),
      ready: () => {
        throw new Error('informer gone');
      },
    });
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/healthz')).status).toBe(200);
  });

  it('serves the registry on /metrics in the text format', async () => {
    const metrics = quiet();
    metrics.setRollout(rollout('web', { phase: 'Degraded', conditions: aborted }));
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics, ready: () => true });
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(matching(text, 'rollout_phase', { name: 'web', phase: 'Abort' })[0]?.value).toBe(1);
  });

  it('rejects with the address when the port is taken, and close() frees it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    await expect(
      startMetricsServer({ host: '127.0.0.1', port, metrics: quiet(), ready: () => true }),
    ).rejects.toThrow(`127.0.0.1:${port}: EADDRINUSE`);
    await new Promise((resolve) => blocker.close(resolve));
    server = await startMetricsServer({
      host: '127.0.0.1',
      port,
      metrics: quiet(),
      ready: () => true,
    });
    // A kept-alive connection must not hold close() open.
    expect((await get('/metrics', { headers: { connection: 'keep-alive' } })).status).toBe(200);
    await server.close();
    server = undefined;
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
