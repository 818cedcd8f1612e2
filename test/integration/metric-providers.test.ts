// The metric providers against real components: a real Prometheus seeded with values at "now", a
// real HTTP server on loopback, and real Jobs that the controller-manager and kwok run to an end.
// One contract holds for all of them: a measurement never throws, and a failure is an `error`
// outcome with a one-line message that carries no secret.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

import { KubeConfig, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Measurement, Metric } from '../../src/api/analysis.js';
import type {
  MeasureOutcome,
  MeasureRequest,
  MetricProvider,
} from '../../src/analysis/provider.js';
import { createProviders } from '../../src/analysis/providers/index.js';
import {
  analysisJobName,
  analysisRunNameAnnotation,
  analysisRunUidLabel,
  createJobProvider,
  metricNameAnnotation,
} from '../../src/analysis/providers/job.js';
import { createPrometheusProvider } from '../../src/analysis/providers/prometheus.js';
import { createWebProvider } from '../../src/analysis/providers/web.js';
import { rawRequest, resourcePath } from '../../src/kube/raw.js';
import { freePort } from '../../src/local/ports.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { startPrometheusWithSeries, type NowPrometheus } from '../support/prometheus-now.js';

const ns = useTestNamespace(import.meta.url);

/** Sent as a header everywhere: it must never show up in a message. */
const secret = 'Bearer s3cr3t-t0ken-value';

// --- a loopback HTTP server playing metric endpoints (and a fake Prometheus) ----------------

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const seen: Seen[] = [];
const jsonDoc = { data: { ok: true, rate: 0.99, items: [{ v: 1 }, { v: 2 }] } };

function route(req: Seen): { status: number; body: string } | undefined {
  const path = req.path.split('?')[0] ?? '';
  if (path === '/json') return { status: 200, body: JSON.stringify(jsonDoc) };
  if (path === '/status/503') return { status: 503, body: 'unavailable' };
  if (path === '/text') return { status: 200, body: 'ok, but not JSON' };
  if (path === '/big') return { status: 200, body: JSON.stringify('x'.repeat(2 * 1024 * 1024)) };
  if (path === '/echo')
    return { status: 200, body: JSON.stringify({ received: JSON.parse(req.body) as unknown }) };
  if (path === '/prometheus/api/v1/query') {
    const result = [{ metric: {}, value: [Date.now() / 1000, '+Inf'] }];
    return {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }),
    };
  }
  if (path === '/broken-prometheus/api/v1/query')
    return {
      status: 500,
      body: JSON.stringify({ status: 'error', errorType: 'internal', error: 'boom' }),
    };
  if (path === '/not-prometheus/api/v1/query') return { status: 200, body: '<html>hello</html>' };
  return path.startsWith('/hang') ? undefined : { status: 404, body: 'no such route' };
}

let server: Server;
let web: string;
/** A loopback URL nothing listens on. */
let closed: string;

async function startWebServer(): Promise<void> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const r: Seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      seen.push(r);
      const answer = route(r);
      if (answer)
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  web = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

// --- shared fixtures ----------------------------------------------------------------------------

let prom: NowPrometheus;
let run: { name: string; uid: string };

beforeAll(async () => {
  await startWebServer();
  closed = `http://127.0.0.1:${await freePort()}`;
  prom = await startPrometheusWithSeries([
    { metric: 'success_rate', labels: { app: 'a' }, value: 0.97 },
    { metric: 'success_rate', labels: { app: 'b' }, value: 0.95 },
    { metric: 'error_ratio', value: 0.01 },
  ]);
  // A real AnalysisRun to own the Jobs: the garbage collector deletes a Job whose owner is absent.
  await installRampCrds(ns.kc);
  const created = await rawRequest<{ metadata: { name: string; uid: string } }>(ns.kc, {
    method: 'POST',
    path: resourcePath({
      apiVersion: 'argoproj.io/v1alpha1',
      plural: 'analysisruns',
      namespace: ns.name,
    }),
    body: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name: 'provider-test', namespace: ns.name },
      spec: { metrics: [{ name: 'placeholder', provider: { job: { spec: {} } } }] },
    },
  });
  run = { name: created.metadata.name, uid: created.metadata.uid };
});

afterAll(async () => {
  await prom?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

function request(metric: Metric, extra: Partial<MeasureRequest> = {}): MeasureRequest {
  return { metric, namespace: ns.name, run: run ?? { name: 'r', uid: 'u' }, index: 1, ...extra };
}

function promMetric(query: string, extra: Record<string, unknown> = {}): Metric {
  return { name: 'prom', provider: { prometheus: { address: prom.url, query, ...extra } } };
}

function webMetric(url: string, extra: Record<string, unknown> = {}): Metric {
  return { name: 'web', provider: { web: { url, ...extra } } };
}

function expectErrorOutcome(outcome: MeasureOutcome, pattern: RegExp): void {
  expect(outcome.kind).toBe('error');
  const message = outcome.kind === 'error' ? outcome.message : '';
  expect(message).toMatch(pattern);
  expect(message).not.toContain('\n');
  expect(message).not.toContain('s3cr3t');
}

// --- the contract every provider keeps ------------------------------------------------------------

describe('every provider', () => {
  /** A kubeconfig for an API server that is not there, with a token that must not leak. */
  function unreachableCluster(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'gone', server: closed.replace('http:', 'https:'), skipTLSVerify: true }],
      users: [{ name: 'u', token: secret }],
      contexts: [{ name: 'gone', cluster: 'gone', user: 'u' }],
      currentContext: 'gone',
    });
    return kc;
  }

  const headers = [{ key: 'Authorization', value: secret }];
  const cases: [string, () => MetricProvider, () => Metric, RegExp][] = [
    [
      'prometheus',
      () => createPrometheusProvider(),
      () => ({ name: 'p', provider: { prometheus: { address: closed, query: 'up', headers } } }),
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+ unreachable: .*ECONNREFUSED/,
    ],
    [
      'web',
      () => createWebProvider(),
      () => webMetric(`${closed}/check?token=s3cr3t`, { headers }),
      /^GET http:\/\/127\.0\.0\.1:\d+\/check failed: .*ECONNREFUSED/,
    ],
    [
      'job',
      () => createJobProvider(unreachableCluster()),
      () => ({ name: 'j', provider: { job: { spec: { template: {} } } } }),
      /^cannot create Job t-metric-providers-[a-z0-9-]+\/[a-z0-9.-]+: .*ECONNREFUSED/,
    ],
  ];

  it.each(cases)(
    '%s: an unreachable backend is an error outcome, not a throw',
    async (_, make, metric, pattern) => {
      expectErrorOutcome(await make().measure(request(metric())), pattern);
    },
  );

  it.each([
    [
      'prometheus',
      () => createPrometheusProvider(),
      () => promMetric('up', { address: `${web}/hang`, timeout: 1, headers }),
    ],
    [
      'web',
      () => createWebProvider(),
      () => webMetric(`${web}/hang`, { timeoutSeconds: 1, headers }),
    ],
  ] as [string, () => MetricProvider, () => Metric][])(
    '%s: a backend that never answers times out into an error outcome',
    async (_, make, metric) => {
      const started = Date.now();
      expectErrorOutcome(await make().measure(request(metric())), /no answer within 1s$/);
      expect(Date.now() - started).toBeLessThan(5_000);
    },
  );

  it('providerFor picks by provider type and leaves unsupported types alone', () => {
    const { providerFor } = createProviders(ns.kc);
    expect(providerFor(promMetric('up'))?.type).toBe('prometheus');
    expect(providerFor(webMetric(web))?.type).toBe('web');
    expect(providerFor({ name: 'j', provider: { job: { spec: {} } } })?.type).toBe('job');
    expect(providerFor({ name: 'd', provider: { datadog: { query: 'x' } } })).toBeUndefined();
  });
});

// --- prometheus ---------------------------------------------------------------------------------------

describe('prometheus provider', () => {
  const provider = createPrometheusProvider();

  it.each([
    ['a scalar', 'scalar(error_ratio)', 0.01, '0.01'],
    ['a vector of one', 'success_rate{app="a"}', [0.97], '[0.97]'],
    [
      'a vector of two, in the order returned',
      'sort_desc(success_rate)',
      [0.97, 0.95],
      '[0.97,0.95]',
    ],
    ['a vector of two, ascending', 'sort(success_rate)', [0.95, 0.97], '[0.95,0.97]'],
  ])('%s at now: %s', async (_, query, value, display) => {
    expect(await provider.measure(request(promMetric(query)))).toEqual({
      kind: 'value',
      value,
      display,
    });
  });

  it('flags an empty vector', async () => {
    expect(await provider.measure(request(promMetric('success_rate{app="none"}')))).toEqual({
      kind: 'value',
      value: [],
      display: '[]',
      empty: true,
    });
  });

  it.each([
    ['a matrix', 'success_rate[5m]', /returned a matrix result/],
    ['a string', '"hello"', /returned a string result/],
    [
      'a query error',
      'sum(',
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+ answered HTTP 400: .*parse error/,
    ],
  ])('%s is an error outcome', async (_, query, pattern) => {
    expectErrorOutcome(await provider.measure(request(promMetric(query))), pattern);
  });

  it('queries the default address when the metric names none', async () => {
    const { providerFor } = createProviders(ns.kc, { defaultPrometheusAddress: prom.url });
    const metric: Metric = {
      name: 'p',
      provider: { prometheus: { query: 'scalar(error_ratio)' } },
    };
    expect(await providerFor(metric)?.measure(request(metric))).toMatchObject({ value: 0.01 });
    expectErrorOutcome(
      await createPrometheusProvider().measure(request(metric)),
      /no default address is configured/,
    );
  });

  it('sends the headers, and keeps Prometheus spelling of values (+Inf)', async () => {
    const outcome = await provider.measure(
      request(
        promMetric('up', {
          address: `${web}/prometheus`,
          headers: [{ key: 'X-Scope-OrgID', value: 'tenant-1' }],
        }),
      ),
    );
    expect(outcome).toEqual({ kind: 'value', value: [Infinity], display: '[+Inf]' });
    expect(seen.at(-1)?.headers['x-scope-orgid']).toBe('tenant-1');
  });

  it.each([
    ['an HTTP error', 'broken-prometheus', /answered HTTP 500: boom$/],
    ['a server that is not Prometheus', 'not-prometheus', /not the Prometheus API's JSON/],
  ])('%s is an error outcome without the header values', async (_, path, pattern) => {
    const metric = promMetric('up', {
      address: `${web}/${path}`,
      headers: [{ key: 'Authorization', value: secret }],
    });
    expectErrorOutcome(await provider.measure(request(metric)), pattern);
  });

  it('sees a value changed with set(), at the same URL', async () => {
    const url = prom.url;
    await prom.set('success_rate', { app: 'a' }, 0.5);
    expect(prom.url).toBe(url);
    expect(await provider.measure(request(promMetric('sort_desc(success_rate)')))).toMatchObject({
      value: [0.95, 0.5],
      display: '[0.95,0.5]',
    });
  });
});

// --- web ------------------------------------------------------------------------------------------------

describe('web provider', () => {
  const provider = createWebProvider();

  it.each([
    [undefined, jsonDoc, JSON.stringify(jsonDoc)],
    ['{$.data.ok}', true, 'true'],
    ['$.data.rate', 0.99, '0.99'],
    ['{$.data.items[*].v}', [1, 2], '[1,2]'],
    ["{$['data']['items'][-1]}", { v: 2 }, '{"v":2}'],
  ])('jsonPath %j selects %j', async (jsonPath, value, display) => {
    const metric = webMetric(`${web}/json`, jsonPath === undefined ? {} : { jsonPath });
    expect(await provider.measure(request(metric))).toEqual({ kind: 'value', value, display });
  });

  it.each([
    [
      'a non-2xx status',
      '/status/503',
      {},
      /^GET http:\/\/127\.0\.0\.1:\d+\/status\/503 answered HTTP 503$/,
    ],
    ['a body that is not JSON', '/text', {}, /the response is not JSON/],
    ['a body over 1 MiB', '/big', {}, /response larger than 1048576 bytes/],
    [
      'a path that finds nothing',
      '/json',
      { jsonPath: '{$.data.missing}' },
      /no key "missing" at \$\.data/,
    ],
    [
      'a filter expression',
      '/json',
      { jsonPath: '$.data.items[?(@.v > 1)]' },
      /unsupported selector/,
    ],
    ['a GET with a body', '/json', { body: 'x' }, /a GET request cannot carry a body/],
    [
      'both body and jsonBody',
      '/echo',
      { method: 'POST', body: 'x', jsonBody: {} },
      /either body or jsonBody/,
    ],
  ])('%s is an error outcome', async (_, path, extra, pattern) => {
    const metric = webMetric(`${web}${path}`, {
      headers: [{ key: 'Authorization', value: secret }],
      ...extra,
    });
    expectErrorOutcome(await provider.measure(request(metric)), pattern);
  });

  it('POSTs jsonBody as JSON with the headers, and reads the answer', async () => {
    const metric = webMetric(`${web}/echo`, {
      method: 'POST',
      jsonBody: { threshold: 0.9, tags: ['canary'] },
      headers: [{ key: 'X-Api-Key', value: 'key-1' }],
      jsonPath: '{$.received.threshold}',
    });
    expect(await provider.measure(request(metric))).toEqual({
      kind: 'value',
      value: 0.9,
      display: '0.9',
    });
    const got = seen.at(-1)!;
    expect(got.method).toBe('POST');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-api-key']).toBe('key-1');
    expect(JSON.parse(got.body)).toEqual({ threshold: 0.9, tags: ['canary'] });
  });

  it('PUTs a plain body as given', async () => {
    const metric = webMetric(`${web}/echo`, {
      method: 'PUT',
      body: '{"n":3}',
      jsonPath: '$.received.n',
    });
    expect(await provider.measure(request(metric))).toMatchObject({ value: 3 });
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', body: '{"n":3}' });
  });
});

// --- job ------------------------------------------------------------------------------------------------

describe('job provider', () => {
  const provider = (): MetricProvider => createJobProvider(ns.kc);

  function jobMetric(name: string, spec: Record<string, unknown>): Metric {
    return {
      name,
      provider: {
        job: {
          metadata: { labels: { team: 'checks' }, annotations: { note: 'from the template' } },
          spec: {
            backoffLimit: 0,
            ...spec,
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'check', image: 'busybox:1.36', command: ['true'] }],
                ...(spec.podSpec as object | undefined),
              },
            },
          },
        },
      },
    };
  }

  async function readJob(name: string): Promise<V1Job> {
    return ns.batch.readNamespacedJob({ name, namespace: ns.name });
  }

  /** Resumes the measurement like the run does until the Job reaches an end. */
  async function resumeUntilDone(p: MetricProvider, req: MeasureRequest, first: MeasureOutcome) {
    let outcome = first;
    const deadline = Date.now() + 90_000;
    while (outcome.kind === 'phase' && outcome.phase === 'Running' && Date.now() < deadline) {
      await new Promise((resolve) =>
        setTimeout(resolve, outcome.kind === 'phase' ? (outcome.resumeAfterMs ?? 1000) : 1000),
      );
      const inProgress: Measurement = { phase: 'Running', metadata: { ...outcome.metadata } };
      outcome = await p.measure({ ...req, inProgress });
    }
    return outcome;
  }

  it('creates an owned, Argo-labelled Job that kwok completes: Running, then Successful', async () => {
    const metricName = 'A_rather_long_metric_name_that_cannot_fit_in_sixty_three_characters';
    const req = request(jobMetric(metricName, {}), { index: 3 });
    const first = await provider().measure(req);
    const name = analysisJobName(run.uid, metricName, 3);
    expect(first).toEqual({
      kind: 'phase',
      phase: 'Running',
      metadata: { 'job-name': name, 'job-namespace': ns.name },
      resumeAfterMs: 1000,
    });
    expect(name).toHaveLength(63);
    expect(name).toMatch(new RegExp(`^${run.uid}\\.a-rather-long-[a-z0-9-]*-[a-f0-9]{8}\\.3$`));

    const job = await readJob(name);
    expect(job.metadata?.labels).toMatchObject({ team: 'checks', [analysisRunUidLabel]: run.uid });
    expect(job.metadata?.annotations).toMatchObject({
      note: 'from the template',
      [analysisRunNameAnnotation]: run.name,
      [metricNameAnnotation]: metricName,
    });
    expect(job.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisRun',
        name: run.name,
        uid: run.uid,
        controller: true,
      }),
    ]);

    // A create retried after a lost answer is the same measurement, not a failure.
    expect(await provider().measure(req)).toEqual(first);

    const done = await resumeUntilDone(provider(), req, first);
    expect(done).toMatchObject({
      kind: 'phase',
      phase: 'Successful',
      metadata: first.kind === 'phase' ? first.metadata : {},
    });
  });

  it('maps a failed Job to Failed with its message', async () => {
    // kwok's stages only ever complete Job pods successfully, so the failure comes from the job
    // controller itself: a pod that can never be scheduled outlives activeDeadlineSeconds.
    const metric = jobMetric('doomed', {
      activeDeadlineSeconds: 1,
      podSpec: { nodeSelector: { 'ramp.dev/no-such-node': 'true' } },
    });
    const req = request(metric);
    const first = await provider().measure(req);
    expect(first).toMatchObject({ kind: 'phase', phase: 'Running' });
    const done = await resumeUntilDone(provider(), req, first);
    expect(done).toMatchObject({ kind: 'phase', phase: 'Failed' });
    expect(done.kind === 'phase' ? done.message : '').toMatch(/deadline/i);
  });

  it('reports a Job that no longer exists as an error outcome', async () => {
    const inProgress: Measurement = { phase: 'Running', metadata: { 'job-name': 'gone.metric.1' } };
    expectErrorOutcome(
      await provider().measure(request(jobMetric('gone', {}), { inProgress })),
      new RegExp(`^Job ${ns.name}/gone\\.metric\\.1 no longer exists$`),
    );
  });

  it('reports a Job the API server rejects as an error outcome', async () => {
    const metric: Metric = {
      name: 'invalid',
      provider: { job: { spec: { template: { spec: { containers: [] } } } } },
    };
    expectErrorOutcome(
      await provider().measure(request(metric)),
      /^cannot create Job .*: Job\.batch ".*" is invalid: /,
    );
  });
});
