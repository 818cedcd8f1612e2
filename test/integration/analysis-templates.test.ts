// The ready-made AnalysisTemplates in analysis-templates/: each one's metrics, with its args
// filled in, are measured by ramp's real prometheus provider against a real Prometheus seeded
// with traffic, and judged by ramp's judge. A query that is subtly wrong (a NaN on idle traffic,
// an empty numerator when every request fails, a selector that leaks into a neighbour) shows up
// as a wrong phase here rather than in someone's canary. The files also apply as AnalysisTemplates
// to the real API server with nothing pruned.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { AnalysisPhase, type Argument, type Metric } from '../../src/api/analysis.js';
import type { MeasureOutcome } from '../../src/analysis/provider.js';
import { createProviders } from '../../src/analysis/providers/index.js';
import { referencedArgs, substituteArgs } from '../../src/decide/analysis/args.js';
import { judge, parseConditions, type Judgement } from '../../src/decide/analysis/judge.js';
import { packageRoot } from '../../src/version.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import {
  startPrometheusWithSeries,
  type NowPrometheus,
  type NowSeries,
} from '../support/prometheus-now.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const custom = ns.kc.makeApiClient(CustomObjectsApi);
const analysisTemplates = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  plural: 'analysistemplates',
};
const libraryDir = join(packageRoot, 'analysis-templates');

// --- the library ------------------------------------------------------------------------------

interface TemplateDoc {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata: { readonly name: string };
  readonly spec: { readonly args?: Argument[]; readonly metrics?: Metric[] };
}

interface Template {
  readonly file: string;
  readonly doc: TemplateDoc;
  /** What the comment at the top promises for no traffic ("Inconclusive" or "Successful"). */
  readonly noTraffic: string | undefined;
}

// Read at collection time: the it.each tables below are built from the files.
const templates: Template[] = readdirSync(libraryDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((file) => {
    const text = readFileSync(join(libraryDir, file), 'utf8');
    const header = /^(?:#.*\n)+/.exec(text)?.[0] ?? '';
    return {
      file,
      doc: parse(text) as TemplateDoc,
      noTraffic: /^# No traffic: (\w+)\./m.exec(header)?.[1],
    };
  });

interface MetricCase {
  readonly label: string;
  readonly template: Template;
  readonly metric: Metric;
}

const metricCases: MetricCase[] = templates.flatMap((template) =>
  (template.doc.spec.metrics ?? []).map((metric) => ({
    label: `${template.file} ${metric.name}`,
    template,
    metric,
  })),
);

// --- seeded traffic -----------------------------------------------------------------------------

const namespace = 'shop';
/** The workload every template is pointed at. */
const app = 'checkout';
/** Another workload in the same Prometheus, always in the opposite health: a leaky selector shows. */
const neighbour = 'payments';

/** The args that pick a workload, by the names the templates use. */
function selectorArgs(workload: string): Record<string, string> {
  return {
    namespace,
    ingress: workload,
    service: workload,
    deployment: workload,
    // A regex, as Contour names clusters: <namespace>/<service>/<port>/<hash>.
    'envoy-cluster': `${namespace}/${workload}/80/[0-9a-f]+`,
  };
}

/** One workload's traffic: requests per second, the share that fail, and how fast they are. */
interface Traffic {
  readonly rps: number;
  readonly errorShare: number;
  readonly latency: 'fast' | 'slow';
}

const boundsMs = [25, 50, 100, 250, 500, 1000, 2500, Infinity];
/** Share of requests at or under each bound; p99 is 49.375 ms (fast) and 2200 ms (slow). */
const latencyCdf: Record<Traffic['latency'], readonly (readonly [number, number])[]> = {
  fast: [
    [25, 0.6],
    [50, 1],
  ],
  slow: [
    [100, 0.5],
    [500, 0.8],
    [1000, 0.95],
    [2500, 1],
  ],
};

function shareUnder(latency: Traffic['latency'], boundMs: number): number {
  return latencyCdf[latency].reduce((share, [ms, s]) => (ms <= boundMs ? s : share), 0);
}

/** Counters start well before the seeded hour so rate() never meets a series' first sample. */
const origin = Math.floor(Date.now() / 1000) - 4 * 3600;

/** A counter growing at `perSecond`; a flat one when zero (a series that saw no new requests). */
function counter(perSecond: number): (t: number) => number {
  return (t) => 1000 + perSecond * (t - origin);
}

type Labels = Readonly<Record<string, string>>;

/** A request counter split into good and bad series; a series with no requests is absent. */
function requests(
  metric: string,
  labels: Labels,
  traffic: Traffic,
  split: { good: Labels; bad: Labels },
): NowSeries[] {
  const rates: [Labels, number][] = [
    [split.good, traffic.rps * (1 - traffic.errorShare)],
    [split.bad, traffic.rps * traffic.errorShare],
  ];
  // An idle workload keeps its (flat) series: that is the case where a careless ratio gives NaN.
  return rates
    .filter(([, perSecond]) => perSecond > 0 || traffic.rps === 0)
    .map(([extra, perSecond]) => ({
      metric,
      labels: { ...labels, ...extra },
      value: counter(perSecond),
    }));
}

/** A latency histogram's cumulative buckets, with `le` in the exporter's unit. */
function buckets(
  metric: string,
  labels: Labels,
  traffic: Traffic,
  unit: 'seconds' | 'ms',
): NowSeries[] {
  return boundsMs.map((boundMs) => ({
    metric,
    labels: {
      ...labels,
      le: boundMs === Infinity ? '+Inf' : String(unit === 'seconds' ? boundMs / 1000 : boundMs),
    },
    value: counter(traffic.rps * shareUnder(traffic.latency, boundMs)),
  }));
}

/** One workload's traffic as every supported exporter reports it. */
function workloadSeries(workload: string, traffic: Traffic): NowSeries[] {
  const nginx = {
    namespace,
    ingress: workload,
    service: `${workload}-canary`,
    canary: `${namespace}-${workload}-canary-80`,
  };
  const istio = {
    reporter: 'destination',
    destination_service_namespace: namespace,
    destination_service_name: workload,
    destination_workload: workload,
    destination_workload_namespace: namespace,
  };
  const linkerd = { direction: 'inbound', namespace, deployment: workload };
  const envoy = { envoy_cluster_name: `${namespace}/${workload}/80/6d1ae4c3f2` };
  const generic = { namespace, service: workload };
  return [
    ...requests('nginx_ingress_controller_requests', nginx, traffic, {
      good: { status: '200' },
      bad: { status: '503' },
    }),
    ...buckets(
      'nginx_ingress_controller_request_duration_seconds_bucket',
      nginx,
      traffic,
      'seconds',
    ),
    ...requests('istio_requests_total', istio, traffic, {
      good: { response_code: '200' },
      bad: { response_code: '503' },
    }),
    ...buckets('istio_request_duration_milliseconds_bucket', istio, traffic, 'ms'),
    ...requests('response_total', linkerd, traffic, {
      good: { classification: 'success', status_code: '200' },
      bad: { classification: 'failure', status_code: '500' },
    }),
    ...buckets('response_latency_ms_bucket', linkerd, traffic, 'ms'),
    ...requests('envoy_cluster_upstream_rq_xx', envoy, traffic, {
      good: { envoy_response_code_class: '2' },
      bad: { envoy_response_code_class: '5' },
    }),
    ...buckets('envoy_cluster_upstream_rq_time_bucket', envoy, traffic, 'ms'),
    ...requests('http_requests_total', generic, traffic, {
      good: { code: '200' },
      bad: { code: '500' },
    }),
    ...buckets('http_request_duration_seconds_bucket', generic, traffic, 'seconds'),
  ];
}

/** The app's stable backend behind the same Ingress: no `canary` label, so `.+` must skip it. */
function nginxStableSeries(traffic: Traffic): NowSeries[] {
  const labels = { namespace, ingress: app, service: `${app}-stable` };
  return [
    ...requests('nginx_ingress_controller_requests', labels, traffic, {
      good: { status: '200' },
      bad: { status: '503' },
    }),
    ...buckets(
      'nginx_ingress_controller_request_duration_seconds_bucket',
      labels,
      traffic,
      'seconds',
    ),
  ];
}

const spotless: Traffic = { rps: 20, errorShare: 0, latency: 'fast' };
const healthy: Traffic = { rps: 20, errorShare: 0.01, latency: 'fast' };
const failing: Traffic = { rps: 20, errorShare: 0.2, latency: 'slow' };
const outage: Traffic = { rps: 20, errorShare: 1, latency: 'slow' };
const idle: Traffic = { rps: 0, errorShare: 0, latency: 'fast' };

interface Scenario {
  readonly name: string;
  /** The app's traffic; undefined when it has no series at all. */
  readonly app: Traffic | undefined;
  /** The neighbour's traffic and the app's stable NGINX backend: the opposite verdict. */
  readonly others: Traffic;
  readonly verdict: 'Successful' | 'Failed' | 'no traffic';
  /** The value each metric (by name) should measure. */
  readonly values?: Readonly<Record<string, number>>;
}

const scenarios: Scenario[] = [
  {
    name: 'no errors at all, fast',
    app: spotless,
    others: outage,
    verdict: 'Successful',
    values: { 'success-rate': 1, 'error-rate': 0, 'latency-p99': 49.375 },
  },
  {
    name: '1% errors, fast',
    app: healthy,
    others: failing,
    verdict: 'Successful',
    values: { 'success-rate': 0.99, 'error-rate': 0.01, 'latency-p99': 49.375 },
  },
  {
    name: '20% errors, slow',
    app: failing,
    others: healthy,
    verdict: 'Failed',
    values: { 'success-rate': 0.8, 'error-rate': 0.2, 'latency-p99': 2200 },
  },
  {
    name: 'every request fails, slow',
    app: outage,
    others: spotless,
    verdict: 'Failed',
    values: { 'success-rate': 0, 'error-rate': 1, 'latency-p99': 2200 },
  },
  { name: 'series present but no new requests', app: idle, others: failing, verdict: 'no traffic' },
  { name: 'no series for the workload', app: undefined, others: failing, verdict: 'no traffic' },
];

function scenarioSeries(s: Scenario): NowSeries[] {
  return [
    ...(s.app ? workloadSeries(app, s.app) : []),
    ...workloadSeries(neighbour, s.others),
    ...nginxStableSeries(s.others),
  ];
}

// --- measuring one metric -----------------------------------------------------------------------

/** The template's defaults, with the selector args and the Prometheus address overridden. */
function argsFor(template: Template, prometheusAddress: string): Record<string, string> {
  const given: Record<string, string> = {
    ...selectorArgs(app),
    'prometheus-address': prometheusAddress,
  };
  const values: Record<string, string> = {};
  for (const arg of template.doc.spec.args ?? []) {
    const value = given[arg.name] ?? arg.value;
    if (value !== undefined) values[arg.name] = value;
  }
  return values;
}

function substituted(c: MetricCase, prometheusAddress: string): Metric {
  const result = substituteArgs(c.metric, argsFor(c.template, prometheusAddress));
  if (!result.ok) throw new Error(result.error);
  return result.metric;
}

const providers = createProviders(ns.kc);

async function measureAndJudge(
  c: MetricCase,
  prometheusAddress: string,
): Promise<{ outcome: MeasureOutcome; judgement: Judgement }> {
  const metric = substituted(c, prometheusAddress);
  const provider = providers.providerFor(metric);
  expect(provider?.type).toBe('prometheus');
  const outcome = await provider!.measure({
    metric,
    namespace: ns.name,
    run: { name: 'analysis-templates', uid: 'analysis-templates' },
    index: 1,
  });
  const parsed = parseConditions(metric);
  if (!parsed.ok) throw new Error(parsed.error);
  return { outcome, judgement: judge(outcome, parsed.conditions) };
}

// --- the tests ----------------------------------------------------------------------------------

describe('the template library', () => {
  it('has templates, each with metrics', () => {
    expect(templates.length).toBeGreaterThanOrEqual(16);
    expect(metricCases.length).toBeGreaterThanOrEqual(templates.length);
  });

  it.each(templates)(
    '$file is an argoproj.io/v1alpha1 AnalysisTemplate named after its file',
    (t) => {
      expect(t.doc.apiVersion).toBe('argoproj.io/v1alpha1');
      expect(t.doc.kind).toBe('AnalysisTemplate');
      expect(t.doc.metadata.name).toBe(basename(t.file, '.yaml'));
      expect(t.doc.spec.metrics?.length).toBeGreaterThan(0);
    },
  );

  it.each(templates)('$file states at the top what no traffic does', (t) => {
    expect(['Inconclusive', 'Successful']).toContain(t.noTraffic);
  });

  it.each(templates)(
    '$file declares every arg it uses, once, and uses every arg it declares',
    (t) => {
      const declared = (t.doc.spec.args ?? []).map((a) => a.name);
      expect(new Set(declared).size).toBe(declared.length);
      expect(referencedArgs(t.doc.spec.metrics).sort()).toEqual([...declared].sort());
    },
  );

  it.each(metricCases)(
    '$label has exactly one provider (prometheus) and conditions that parse',
    (c) => {
      const providerKeys = Object.entries(c.metric.provider)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k]) => k);
      expect(providerKeys).toEqual(['prometheus']);
      expect(c.metric.provider.prometheus?.address).toBe('{{args.prometheus-address}}');
      expect(c.metric.successCondition ?? c.metric.failureCondition).toBeTruthy();
      const parsed = parseConditions(substituted(c, 'http://prometheus.example:9090'));
      expect(parsed.ok ? '' : parsed.error).toBe('');
    },
  );

  it('gives an arg the same default in every template, so templates combine in one Rollout', () => {
    const defaults = new Map<string, Set<string | undefined>>();
    for (const t of templates)
      for (const a of t.doc.spec.args ?? [])
        defaults.set(a.name, (defaults.get(a.name) ?? new Set()).add(a.value));
    const conflicting = [...defaults].filter(([, values]) => values.size > 1).map(([n]) => n);
    expect(conflicting).toEqual([]);
  });

  it('has a README listing every template and its args', () => {
    const readme = readFileSync(join(libraryDir, 'README.md'), 'utf8');
    for (const t of templates) {
      expect(readme).toContain(t.file);
      for (const a of t.doc.spec.args ?? []) expect(readme).toContain(`\`${a.name}\``);
    }
    expect(readme).toContain('len(result) == 0 ||');
  });
});

describe('on the API server', () => {
  beforeAll(async () => {
    await installRampCrds(ns.kc);
  });

  it.each(templates)('$file applies as an AnalysisTemplate and reads back unpruned', async (t) => {
    // Discovery of a freshly installed CRD can lag its Established condition by a moment.
    await waitFor(`AnalysisTemplate ${t.doc.metadata.name} created`, async () => {
      await custom.createNamespacedCustomObject({
        ...analysisTemplates,
        namespace: ns.name,
        body: t.doc,
      });
      return true;
    });
    const stored = (await custom.getNamespacedCustomObject({
      ...analysisTemplates,
      namespace: ns.name,
      name: t.doc.metadata.name,
    })) as TemplateDoc;
    expect(stored.spec).toEqual(t.doc.spec);
  });
});

describe.each(scenarios)('against a real Prometheus: $name', (scenario) => {
  let prom: NowPrometheus | undefined;

  beforeAll(async () => {
    prom = await startPrometheusWithSeries(scenarioSeries(scenario));
  });

  afterAll(async () => {
    await prom?.stop();
  });

  it.each(metricCases)('$label', async (c) => {
    const { outcome, judgement } = await measureAndJudge(c, prom!.url);
    expect(outcome.kind, JSON.stringify(outcome)).toBe('value');
    if (outcome.kind !== 'value') return;
    if (scenario.verdict === 'no traffic') {
      // An empty vector, never NaN: NaN would be judged (and fail) instead of reported as no data.
      expect(outcome.display).toBe('[]');
      expect(outcome.empty).toBe(true);
      if (c.template.noTraffic === 'Inconclusive') {
        expect(judgement.phase).toBe(AnalysisPhase.Inconclusive);
        expect(judgement.message).toMatch(/^no data/);
      } else {
        expect(judgement.phase).toBe(AnalysisPhase.Successful);
      }
      return;
    }
    // Exactly one finite sample: the query aggregates to one series.
    expect(outcome.display).toMatch(/^\[[^,]+\]$/);
    const [value] = outcome.value as number[];
    expect(Number.isFinite(value), outcome.display).toBe(true);
    const expected = scenario.values?.[c.metric.name];
    if (expected !== undefined) expect(value).toBeCloseTo(expected, 2);
    expect(judgement, JSON.stringify(judgement)).toMatchObject({ phase: scenario.verdict });
  });
});
