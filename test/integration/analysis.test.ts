// Analysis end to end on the local control plane with a real Prometheus: background analysis
// promotes on good data and aborts on bad data, a Prometheus that goes away errors the run only
// after consecutiveErrorLimit, web and Job metrics gate an analysis step, blue-green post-promotion
// failure moves production back, and a broken condition is reported before anything is measured.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AnalysisRun } from '../../src/api/analysis.js';
import { startController, type ControllerProcess } from '../support/controller.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { startPrometheusWithSeries, type NowPrometheus } from '../support/prometheus-now.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
const custom = ns.kc.makeApiClient(CustomObjectsApi);
const argo = { group: 'argoproj.io', version: 'v1alpha1' };
let controller: ControllerProcess;
let prometheus: NowPrometheus;
let web: Server;
let webUrl: string;

async function createTemplate(name: string, spec: Record<string, unknown>): Promise<void> {
  await custom.createNamespacedCustomObject({
    ...argo,
    plural: 'analysistemplates',
    namespace: ns.name,
    body: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name },
      spec,
    },
  });
}

async function runsOf(app: string): Promise<AnalysisRun[]> {
  const list = (await custom.listNamespacedCustomObject({
    ...argo,
    plural: 'analysisruns',
    namespace: ns.name,
  })) as { items: AnalysisRun[] };
  return list.items.filter((r) => r.metadata.name.startsWith(`${app}-`));
}

/** A success-rate metric on the seeded `app_success_ratio{app=...}` series. */
const successRate = (extra: Record<string, unknown> = {}) => ({
  args: [{ name: 'app' }],
  metrics: [
    {
      name: 'success-rate',
      interval: '1s',
      count: 3,
      successCondition: 'result[0] >= 0.95',
      provider: { prometheus: { query: 'app_success_ratio{app="{{args.app}}"}' } },
      ...extra,
    },
  ],
});

const image = (app: string, v: number) => ({
  spec: { template: { spec: { containers: [{ name: 'app', image: `${app}:${v}` }] } } },
});

beforeAll(async () => {
  prometheus = await startPrometheusWithSeries([
    { metric: 'app_success_ratio', labels: { app: 'good' }, value: 0.99 },
    { metric: 'app_success_ratio', labels: { app: 'bad' }, value: 0.5 },
    { metric: 'app_success_ratio', labels: { app: 'gone' }, value: 0.99 },
    { metric: 'app_success_ratio', labels: { app: 'bg' }, value: 0.5 },
  ]);
  web = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { healthy: req.url === '/healthy' } }));
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  await installRampCrds(ns.kc);
  await createTemplate('success-rate', successRate());
  controller = startController(ns.name, ['--prometheus-url', prometheus.url]);
}, 300_000);

afterAll(async () => {
  await controller?.stop();
  await prometheus?.stop();
  await new Promise((resolve) => web?.close(resolve));
});

const background = (app: string) => ({
  analysis: {
    templates: [{ templateName: 'success-rate' }],
    args: [{ name: 'app', value: app }],
  },
});

describe('analysis', () => {
  it('background analysis on good data: the canary ends Healthy and the run shows the values', async () => {
    const app = 'good';
    await rollouts.create(
      canaryRollout(
        app,
        `${app}:1`,
        [{ setWeight: 50 }, { pause: { duration: '4s' } }],
        background(app),
        2,
      ),
    );
    const v1 = await rollouts.waitUntil(app, 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
    await rollouts.patchSpec(app, image(app, 2));
    const done = await rollouts.waitUntil(
      app,
      'Healthy at v2',
      (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== v1.status?.stableRS,
    );
    expect(done.status?.stableRS).toBe(done.status?.currentPodHash);
    const [run] = await runsOf(app);
    expect(run?.metadata.labels?.['rollout-type']).toBe('Background');
    const values = run?.status?.metricResults?.[0]?.measurements?.map((m) => m.value) ?? [];
    expect(values.length).toBeGreaterThan(0);
    expect(new Set(values)).toEqual(new Set(['[0.99]']));
  });

  it('background analysis on bad data aborts: traffic back to stable, Degraded with the metric', async () => {
    const app = 'bad';
    await rollouts.create(
      canaryRollout(app, `${app}:1`, [{ setWeight: 50 }, { pause: {} }], background(app), 2),
    );
    const v1 = await rollouts.waitUntil(app, 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
    await rollouts.patchSpec(app, image(app, 2));
    const aborted = await rollouts.waitUntil(app, 'aborted', (r) => r.status?.phase === 'Degraded');
    expect(aborted.status?.abort).toBe(true);
    expect(aborted.status?.stableRS).toBe(v1.status?.stableRS);
    expect(aborted.status?.canary?.weights?.canary.weight).toBe(0);
    expect(aborted.status?.message).toContain('Metric "success-rate" assessed Failed');
    const [run] = await runsOf(app);
    expect(run?.status?.phase).toBe('Failed');
    expect(run?.status?.metricResults?.[0]?.measurements?.[0]?.value).toBe('[0.5]');
  });

  it('Prometheus gone mid-run: Error only after consecutiveErrorLimit, and no promotion', async () => {
    const app = 'gone';
    const gone = await startPrometheusWithSeries([
      { metric: 'app_success_ratio', labels: { app }, value: 0.99 },
    ]);
    await createTemplate('fragile', {
      args: [{ name: 'app' }, { name: 'address' }],
      metrics: [
        {
          name: 'success-rate',
          interval: '1s',
          consecutiveErrorLimit: 2,
          successCondition: 'result[0] >= 0.95',
          provider: {
            prometheus: {
              address: '{{args.address}}',
              query: 'app_success_ratio{app="{{args.app}}"}',
            },
          },
        },
      ],
    });
    await rollouts.create(
      canaryRollout(
        app,
        `${app}:1`,
        [{ setWeight: 50 }, { pause: {} }],
        {
          analysis: {
            templates: [{ templateName: 'fragile' }],
            args: [
              { name: 'app', value: app },
              { name: 'address', value: gone.url },
            ],
          },
        },
        2,
      ),
    );
    const v1 = await rollouts.waitUntil(app, 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
    await rollouts.patchSpec(app, image(app, 2));
    await waitFor('a successful measurement', async () =>
      Boolean((await runsOf(app))[0]?.status?.metricResults?.[0]?.successful),
    );
    await gone.stop();
    const aborted = await rollouts.waitUntil(app, 'aborted', (r) => r.status?.phase === 'Degraded');
    expect(aborted.status?.stableRS).toBe(v1.status?.stableRS);
    const [run] = await runsOf(app);
    const result = run?.status?.metricResults?.[0];
    expect(run?.status?.phase).toBe('Error');
    expect(result?.consecutiveError).toBe(3);
    expect(result?.measurements?.at(-1)?.message).toMatch(/unreachable/);
  });

  it('an analysis step with web and Job metrics passes and the canary completes', async () => {
    const app = 'step';
    await createTemplate('smoke', {
      args: [{ name: 'url' }],
      metrics: [
        {
          name: 'healthy',
          successCondition: 'result == true',
          provider: { web: { url: '{{args.url}}/healthy', jsonPath: '{$.data.healthy}' } },
        },
        {
          name: 'smoke-job',
          provider: {
            job: {
              spec: {
                backoffLimit: 0,
                template: {
                  spec: {
                    restartPolicy: 'Never',
                    containers: [{ name: 'smoke', image: 'smoke:1' }],
                  },
                },
              },
            },
          },
        },
      ],
    });
    await rollouts.create(
      canaryRollout(
        app,
        `${app}:1`,
        [
          { setWeight: 50 },
          {
            analysis: {
              templates: [{ templateName: 'smoke' }],
              args: [{ name: 'url', value: webUrl }],
            },
          },
        ],
        {},
        2,
      ),
    );
    const v1 = await rollouts.waitUntil(app, 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
    await rollouts.patchSpec(app, image(app, 2));
    await rollouts.waitUntil(
      app,
      'Healthy at v2',
      (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== v1.status?.stableRS,
    );
    const [run] = await runsOf(app);
    expect(run?.metadata.labels).toMatchObject({ 'rollout-type': 'Step', 'step-index': '1' });
    expect(run?.status?.phase).toBe('Successful');
    expect(run?.status?.metricResults?.map((m) => [m.name, m.phase])).toEqual([
      ['healthy', 'Successful'],
      ['smoke-job', 'Successful'],
    ]);
  });

  it('blue-green post-promotion failure moves the active Service back to v1', async () => {
    const app = 'bg';
    for (const role of ['active', 'preview'])
      await ns.core.createNamespacedService({
        namespace: ns.name,
        body: {
          metadata: { name: `${app}-${role}` },
          spec: { selector: { app }, ports: [{ port: 80 }] },
        },
      });
    await rollouts.create({
      ...canaryRollout(app, `${app}:1`, [], {}, 2),
      spec: {
        ...canaryRollout(app, `${app}:1`, [], {}, 2).spec,
        strategy: {
          blueGreen: {
            activeService: `${app}-active`,
            previewService: `${app}-preview`,
            postPromotionAnalysis: background(app).analysis,
          },
        },
      },
    });
    const v1 = (await rollouts.waitUntil(app, 'Healthy', (r) => r.status?.phase === 'Healthy'))
      .status?.stableRS;
    await rollouts.patchSpec(app, image(app, 2));
    const aborted = await rollouts.waitUntil(
      app,
      'aborted after the switch',
      (r) => r.status?.phase === 'Degraded' && r.status.currentPodHash !== v1,
    );
    expect(aborted.status?.abort).toBe(true);
    await waitFor('active back on v1', async () => {
      const svc = await ns.core.readNamespacedService({
        name: `${app}-active`,
        namespace: ns.name,
      });
      return svc.spec?.selector?.['rollouts-pod-template-hash'] === v1;
    });
    expect(aborted.status?.stableRS).toBe(v1);
    // The post-promotion run starts only once the active Service has moved to v2.
    const [run] = await runsOf(app);
    expect(run?.metadata.labels?.['rollout-type']).toBe('PostPromotion');
    expect(run?.status?.phase).toBe('Failed');
    const events = await ns.core.listNamespacedEvent({ namespace: ns.name });
    const reasons = events.items.filter((e) => e.involvedObject.name === app).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['AnalysisRunFailed', 'RolloutAborted']));
  });

  it('a run survives a controller kill: no measurement lost or repeated', async () => {
    const name = 'restart-run';
    await custom.createNamespacedCustomObject({
      ...argo,
      plural: 'analysisruns',
      namespace: ns.name,
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisRun',
        metadata: { name },
        spec: {
          metrics: [
            {
              name: 'rate',
              interval: '2s',
              count: 3,
              successCondition: 'result[0] >= 0.95',
              provider: { prometheus: { query: 'app_success_ratio{app="good"}' } },
            },
          ],
        },
      },
    });
    const get = async () =>
      (await custom.getNamespacedCustomObject({
        ...argo,
        plural: 'analysisruns',
        namespace: ns.name,
        name,
      })) as AnalysisRun;
    await waitFor(
      'first measurement',
      async () => ((await get()).status?.metricResults?.[0]?.count ?? 0) >= 1,
    );
    await controller.kill();
    await new Promise((r) => setTimeout(r, 3_000));
    controller = startController(ns.name, ['--prometheus-url', prometheus.url]);
    await waitFor('run Successful', async () => (await get()).status?.phase === 'Successful');
    const result = (await get()).status?.metricResults?.[0];
    expect(result).toMatchObject({ count: 3, successful: 3 });
    const started = (result?.measurements ?? []).map((m) => Date.parse(m.startedAt ?? ''));
    expect(started).toHaveLength(3);
    // Each measurement waited out the interval after the one before (none taken twice).
    for (let i = 1; i < started.length; i++)
      expect(started[i]! - started[i - 1]!).toBeGreaterThanOrEqual(2_000 - 1_000);
  });

  it('a broken condition: a clear message on the run and InvalidSpec on the Rollout', async () => {
    const app = 'broken';
    await createTemplate('broken', {
      metrics: [
        {
          name: 'rate',
          successCondition: 'result[0] >= >= 1',
          provider: { prometheus: { query: 'up' } },
        },
      ],
    });
    await rollouts.create(
      canaryRollout(
        app,
        `${app}:1`,
        [{ analysis: { templates: [{ templateName: 'broken' }] } }],
        {},
        1,
      ),
    );
    await rollouts.waitUntil(app, 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
    await rollouts.patchSpec(app, image(app, 2));
    const invalid = await rollouts.waitUntil(app, 'InvalidSpec', (r) =>
      Boolean(r.status?.conditions?.some((c) => c.type === 'InvalidSpec')),
    );
    expect(invalid.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toMatch(
      /analysis: metric "rate": successCondition "result\[0\] >= >= 1": /,
    );
    expect(await runsOf(app)).toEqual([]);

    // The same metric in a run created by hand: the run says why, without measuring.
    await custom.createNamespacedCustomObject({
      ...argo,
      plural: 'analysisruns',
      namespace: ns.name,
      body: {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisRun',
        metadata: { name: `${app}-by-hand` },
        spec: {
          metrics: [
            {
              name: 'rate',
              successCondition: 'result[0] >= >= 1',
              provider: { prometheus: { query: 'up' } },
            },
          ],
        },
      },
    });
    await waitFor('the run reports the broken condition', async () => {
      const [run] = await runsOf(app);
      return run?.status?.phase === 'Error';
    });
    const [run] = await runsOf(app);
    expect(run?.status?.message).toMatch(/^metric "rate": successCondition /);
    expect(run?.status?.metricResults ?? []).toEqual([]);
  });
});
