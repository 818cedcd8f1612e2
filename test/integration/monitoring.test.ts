// deploy/monitoring against a real Prometheus (Debian's 2.42): the rule file passes promtool's
// check and its own unit tests; a Prometheus scraping startMetricsServer sees the metrics the
// controller sets (and Node's process metrics), loads the rules, and answers every dashboard query.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { runCommand } from '../../src/local/exec.js';
import { ensurePrometheus, type PrometheusBinaries } from '../../src/local/prometheus-dist.js';
import {
  createControllerMetrics,
  type ControllerMetrics,
  type RolloutSnapshot,
} from '../../src/observability/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/observability/server.js';
import { packageRoot } from '../../src/version.js';
import { startScrapingPrometheus, type ScrapingPrometheus } from '../support/prometheus-scrape.js';
import { testConfig, testLog } from '../support/settings.js';
import { waitFor } from '../support/wait.js';

const monitoring = join(packageRoot, 'deploy', 'monitoring');
const rulesFile = join(monitoring, 'ramp-rules.yaml');

interface RuleFile {
  groups: {
    name: string;
    rules: {
      alert?: string;
      expr: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
}

let binaries: PrometheusBinaries;

beforeAll(async () => {
  binaries = await ensurePrometheus(testConfig.cacheDir, testLog);
});

describe('ramp-rules.yaml', () => {
  it('passes promtool check rules', async () => {
    const result = await runCommand(binaries.promtool, ['check', 'rules', rulesFile]);
    expect(result.stderr + result.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.code).toBe(0);
  });

  it('passes its promtool unit tests (ramp-rules.test.yaml)', async () => {
    const result = await runCommand(binaries.promtool, [
      'test',
      'rules',
      join(monitoring, 'ramp-rules.test.yaml'),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('SUCCESS');
  });

  it('gives every alert a severity, a summary and a description', async () => {
    const file = parse(await readFile(rulesFile, 'utf8')) as RuleFile;
    const alerts = file.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    for (const alert of alerts) {
      expect(alert.labels?.severity, alert.alert).toMatch(/^(critical|warning|info)$/);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
    }
  });

  it('is the same as the PrometheusRule form', async () => {
    const plain = parse(await readFile(rulesFile, 'utf8')) as RuleFile;
    const crd = parse(await readFile(join(monitoring, 'ramp-prometheusrule.yaml'), 'utf8')) as {
      apiVersion: string;
      kind: string;
      spec: RuleFile;
    };
    expect([crd.apiVersion, crd.kind]).toEqual(['monitoring.coreos.com/v1', 'PrometheusRule']);
    expect(crd.spec.groups).toEqual(plain.groups);
  });
});

function rollout(name: string, over: Partial<RolloutSnapshot> = {}): RolloutSnapshot {
  return {
    namespace: 'shop',
    name,
    strategy: 'canary',
    phase: 'Healthy',
    replicas: { desired: 3, available: 3, updated: 3, unavailable: 0 },
    conditions: [{ type: 'Progressing', reason: 'NewReplicaSetAvailable' }],
    ...over,
  };
}

/** Every metric kind populated, so each dashboard query has something to return. */
function populate(metrics: ControllerMetrics): void {
  metrics.setRollout(rollout('x'));
  metrics.setRollout(
    rollout('paused', {
      phase: 'Paused',
      strategy: 'blueGreen',
      conditions: [{ type: 'Progressing', reason: 'RolloutPaused' }],
    }),
  );
  metrics.setRollout(rollout('gone'));
  for (const name of ['x', 'paused']) {
    metrics.observeReconcile('rollout', 'shop', name, 0.02, false);
    metrics.observeReconcile('rollout', 'shop', name, 0.3, true);
  }
  metrics.setAnalysisRun({
    namespace: 'shop',
    name: 'x-6d4f-1',
    phase: 'Failed',
    metrics: [{ name: 'success-rate', type: 'Prometheus', phase: 'Failed' }],
  });
  metrics.setAnalysisRun({
    namespace: 'shop',
    name: 'paused-7a1c-1',
    phase: 'Running',
    metrics: [{ name: 'success-rate', type: 'Prometheus', phase: 'Running' }],
  });
  metrics.observeReconcile('analysisrun', 'shop', 'x-6d4f-1', 0.05, false);
  metrics.notificationSent('slack', 'on-rollout-paused');
  metrics.notificationFailed('webhook', 'on-rollout-aborted');
  for (const name of ['rollouts', 'analysisruns']) {
    const q = metrics.queue(name);
    q.added();
    q.retried();
    q.depth(2);
    q.latency(0.001);
    q.workDuration(0.02);
  }
}

interface DashboardPanel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}

/** Grafana's variables replaced by what "All" and the built-in intervals expand to. */
function concrete(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '1m')
    .replace(/\$\{?[a-zA-Z_]\w*\}?/g, '.*');
}

async function dashboardQueries(): Promise<{ where: string; expr: string }[]> {
  const dashboard = JSON.parse(await readFile(join(monitoring, 'ramp-dashboard.json'), 'utf8')) as {
    panels: DashboardPanel[];
    templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
  };
  const fromPanels = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })),
  );
  // label_values(selector, label) is Grafana's: check the selector inside it.
  const fromVariables = dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const query = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
      const selector = /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1];
      return { where: `variable $${v.name}`, expr: selector ?? query };
    });
  return [...fromPanels, ...fromVariables];
}

describe('a Prometheus scraping the metrics server', () => {
  let metrics: ControllerMetrics;
  let server: MetricsServer;
  let prom: ScrapingPrometheus;

  beforeAll(async () => {
    metrics = createControllerMetrics();
    populate(metrics);
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics, ready: () => true });
    prom = await startScrapingPrometheus({
      targets: [`127.0.0.1:${server.port}`],
      ruleFiles: [rulesFile],
    });
    await waitFor('the first scrape', async () => (await value('up{job="ramp"}')) === 1, {
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await server?.close();
  });

  const abortX = (): void =>
    metrics.setRollout(
      rollout('x', {
        phase: 'Degraded',
        replicas: { desired: 3, available: 3, updated: 0, unavailable: 0 },
        conditions: [{ type: 'Progressing', reason: 'RolloutAborted' }],
      }),
    );

  /** The single value of an instant query, or undefined when it returns nothing. */
  async function value(expr: string): Promise<number | undefined> {
    const answer = await prom.query(expr);
    if (answer.status !== 'success') throw new Error(`${expr}: ${answer.error}`);
    const result = answer.data?.result ?? [];
    if (result.length > 1) throw new Error(`${expr}: ${result.length} series`);
    return result[0] ? Number(result[0].value[1]) : undefined;
  }

  it('sees rollout_phase move to Abort once a rollout is aborted (status.phase Degraded)', async () => {
    expect(await value('rollout_phase{name="x",phase="Completed"}')).toBe(1);
    expect(await value('rollout_phase{name="x",phase="Abort"}')).toBe(0);
    abortX();
    await waitFor(
      'rollout_phase{phase="Abort"} of x to be 1',
      async () => (await value('rollout_phase{name="x",phase="Abort"}')) === 1,
      { timeoutMs: 15_000 },
    );
    expect(await value('rollout_phase{name="x",phase="Completed"}')).toBe(0);
    expect(await value('rollout_info{name="x"}')).toBe(1);
    expect(await value('rollout_info{name="x",phase="Abort",strategy="canary"}')).toBe(1);
    expect(await value('rollout_info_replicas_updated{name="x"}')).toBe(0);
    expect(await value('sum(rollout_phase{name="x"})')).toBe(1);
  });

  it('scrapes the Node process metrics from the same endpoint', async () => {
    expect(await value('process_resident_memory_bytes{job="ramp"}')).toBeGreaterThan(10_000_000);
    expect(await value('process_cpu_seconds_total{job="ramp"}')).toBeGreaterThan(0);
    expect(await value('nodejs_heap_size_used_bytes{job="ramp"}')).toBeGreaterThan(0);
    expect(await value('count(nodejs_eventloop_lag_seconds{job="ramp"})')).toBe(1);
    expect(await value('ramp_controller_info{job="ramp"}')).toBe(1);
  });

  it('loses a forgotten rollout’s series at the next scrape', async () => {
    expect(await value('rollout_info{name="gone"}')).toBe(1);
    metrics.forgetRollout('shop', 'gone');
    await waitFor(
      'rollout_info of the forgotten rollout to go stale',
      async () => (await value('count(rollout_info{name="gone"})')) === undefined,
      { timeoutMs: 15_000 },
    );
    expect(await value('count(rollout_phase{name="gone"})')).toBeUndefined();
  });

  it('loads the rules and raises the alerts for the aborted rollout and the failed run', async () => {
    const rules = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { name: string; health: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    expect(loaded.length).toBeGreaterThanOrEqual(6);
    expect(loaded.filter((r) => r.health !== 'ok')).toEqual([]);
    abortX(); // as the first test left it, so this test also runs alone

    const alerts = async (): Promise<
      { name: string; state: string; labels: Record<string, string> }[]
    > => {
      const body = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as {
        data: { alerts: { labels: Record<string, string>; state: string }[] };
      };
      return body.data.alerts.map((a) => ({
        name: a.labels.alertname ?? '',
        state: a.state,
        labels: a.labels,
      }));
    };
    await waitFor(
      'RampRolloutAborted pending for x and RampAnalysisRunFailed firing',
      async () => {
        const now = await alerts();
        const aborted = now.find((a) => a.name === 'RampRolloutAborted');
        const failed = now.find((a) => a.name === 'RampAnalysisRunFailed');
        return aborted?.labels.name === 'x' && failed?.state === 'firing';
      },
      { timeoutMs: 20_000 },
    );
    const now = await alerts();
    expect(now.find((a) => a.name === 'RampAnalysisRunFailed')?.labels).toMatchObject({
      name: 'x-6d4f-1',
      phase: 'Failed',
    });
    // Errors were counted before the first scrape, so increase() sees no change: no alert.
    expect(now.filter((a) => a.name === 'RampRolloutReconcileErrors')).toEqual([]);
  });

  it('answers every dashboard query (variables filled in) with series', async () => {
    const queries = await dashboardQueries();
    expect(queries.length).toBeGreaterThan(15);
    // rate(), increase() and histogram_quantile() return nothing before two scrapes in the window.
    await waitFor(
      'three scrapes',
      async () => (await value('count_over_time(up{job="ramp"}[1m])'))! >= 3,
      { timeoutMs: 15_000 },
    );
    const failures: string[] = [];
    for (const { where, expr } of queries) {
      const answer = await prom.query(concrete(expr));
      if (answer.status !== 'success')
        failures.push(`${where}: ${answer.errorType} ${answer.error}`);
      else if ((answer.data?.result.length ?? 0) === 0)
        failures.push(`${where}: no series for ${concrete(expr)}`);
    }
    expect(failures).toEqual([]);
  });

  it('would catch a query that does not parse (HTTP 400 bad_data)', async () => {
    const answer = await prom.query(
      concrete('sum by (name) (rate(workqueue_adds_total[$__rate_interval])'),
    );
    expect([answer.httpStatus, answer.errorType]).toEqual([400, 'bad_data']);
  });
});
