// AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun, wire-compatible with Argo Rollouts
// argoproj.io/v1alpha1: field names, types and defaults as Argo documents them, written from those
// facts. The CRDs in crds/ are generated from these schemas.
import {
  Int32,
  Int64,
  IntOrString,
  ListOf,
  OpaqueObject,
  StringMap,
  Timestamp,
  Type,
  type Static,
  type TSchema,
} from './schema.js';

const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

/** A template argument: a literal value, or one taken from a Secret or a field of the Rollout. */
export const Argument = Type.Object({
  name: Type.String(),
  value: Opt(Type.String()),
  valueFrom: Opt(
    Type.Object({
      secretKeyRef: Opt(Type.Object({ name: Type.String(), key: Type.String() })),
      fieldRef: Opt(Type.Object({ fieldPath: Type.String() })),
    }),
  ),
});

const Header = Type.Object({ key: Type.String(), value: Type.String() });

/** Prometheus provider: an instant query against `address`. */
export const PrometheusMetric = Type.Object({
  address: Opt(Type.String()),
  query: Type.String(),
  /** Seconds; the query's own timeout. */
  timeout: Opt(Int64()),
  insecure: Opt(Type.Boolean()),
  headers: Opt(ListOf(Header)),
  authentication: Opt(OpaqueObject()),
});

/** Web provider: an HTTP request whose (JSON) response is the result. */
export const WebMetric = Type.Object({
  method: Opt(Type.String({ enum: ['GET', 'POST', 'PUT'] })),
  url: Type.String(),
  headers: Opt(ListOf(Header)),
  body: Opt(Type.String()),
  jsonBody: Opt(OpaqueObject()),
  timeoutSeconds: Opt(Int64()),
  jsonPath: Opt(Type.String()),
  insecure: Opt(Type.Boolean()),
});

/** Job provider: a Job whose success or failure is the measurement. */
export const JobMetric = Type.Object({
  metadata: Opt(Type.Object({ labels: Opt(StringMap()), annotations: Opt(StringMap()) })),
  spec: OpaqueObject(),
});

/** Which provider measures a metric (exactly one key). */
export const MetricProvider = Type.Object({
  prometheus: Opt(PrometheusMetric),
  web: Opt(WebMetric),
  job: Opt(JobMetric),
  // Providers ramp does not implement: accepted so manifests apply, reported as unsupported.
  kayenta: Opt(OpaqueObject()),
  datadog: Opt(OpaqueObject()),
  newRelic: Opt(OpaqueObject()),
  wavefront: Opt(OpaqueObject()),
  cloudWatch: Opt(OpaqueObject()),
  graphite: Opt(OpaqueObject()),
  influxdb: Opt(OpaqueObject()),
  skywalking: Opt(OpaqueObject()),
  plugin: Opt(OpaqueObject()),
});

/** One metric: how often, how many times, and what counts as success or failure. */
export const Metric = Type.Object({
  name: Type.String(),
  interval: Opt(Type.String()),
  initialDelay: Opt(Type.String()),
  count: Opt(IntOrString()),
  successCondition: Opt(Type.String()),
  failureCondition: Opt(Type.String()),
  failureLimit: Opt(IntOrString()),
  inconclusiveLimit: Opt(IntOrString()),
  consecutiveErrorLimit: Opt(IntOrString()),
  consecutiveSuccessLimit: Opt(IntOrString()),
  provider: MetricProvider,
});

const DryRun = Type.Object({ metricName: Type.String() });
const MeasurementRetention = Type.Object({ metricName: Type.String(), limit: Int32() });

const templateFields = {
  metrics: Opt(ListOf(Metric)),
  args: Opt(ListOf(Argument)),
  dryRun: Opt(ListOf(DryRun)),
  measurementRetention: Opt(ListOf(MeasurementRetention)),
  /** Other templates whose metrics and args this one includes. */
  templates: Opt(
    ListOf(Type.Object({ templateName: Opt(Type.String()), clusterScope: Opt(Type.Boolean()) })),
  ),
};

/** AnalysisTemplate.spec (and ClusterAnalysisTemplate.spec). */
export const AnalysisTemplateSpec = Type.Object(templateFields);

/** AnalysisRun.spec: the metrics to run, resolved args, and how long to keep the run. */
export const AnalysisRunSpec = Type.Object({
  metrics: ListOf(Metric),
  args: Opt(ListOf(Argument)),
  dryRun: Opt(ListOf(DryRun)),
  measurementRetention: Opt(ListOf(MeasurementRetention)),
  terminate: Opt(Type.Boolean()),
  ttlStrategy: Opt(
    Type.Object({
      secondsAfterCompletion: Opt(Int32()),
      secondsAfterFailure: Opt(Int32()),
      secondsAfterSuccess: Opt(Int32()),
    }),
  ),
});

/** One measurement of one metric. */
export const Measurement = Type.Object({
  phase: Type.String(),
  message: Opt(Type.String()),
  startedAt: Opt(Timestamp()),
  finishedAt: Opt(Timestamp()),
  value: Opt(Type.String()),
  metadata: Opt(StringMap()),
  resumeAt: Opt(Timestamp()),
});

/** A metric's measurements and counters. */
export const MetricResult = Type.Object({
  name: Type.String(),
  phase: Type.String(),
  measurements: Opt(ListOf(Measurement)),
  message: Opt(Type.String()),
  count: Opt(Int32()),
  successful: Opt(Int32()),
  failed: Opt(Int32()),
  inconclusive: Opt(Int32()),
  error: Opt(Int32()),
  consecutiveError: Opt(Int32()),
  consecutiveSuccess: Opt(Int32()),
  dryRun: Opt(Type.Boolean()),
  metadata: Opt(StringMap()),
});

const RunSummary = Type.Object({
  count: Opt(Int32()),
  successful: Opt(Int32()),
  failed: Opt(Int32()),
  inconclusive: Opt(Int32()),
  error: Opt(Int32()),
});

/** AnalysisRun.status. */
export const AnalysisRunStatus = Type.Object({
  phase: Opt(Type.String()),
  message: Opt(Type.String()),
  metricResults: Opt(ListOf(MetricResult)),
  startedAt: Opt(Timestamp()),
  completedAt: Opt(Timestamp()),
  runSummary: Opt(RunSummary),
  dryRunSummary: Opt(RunSummary),
});

/** A metric as TypeScript sees it. */
export type Metric = Static<typeof Metric>;
/** An argument as TypeScript sees it. */
export type Argument = Static<typeof Argument>;
/** AnalysisTemplate.spec as TypeScript sees it. */
export type AnalysisTemplateSpec = Static<typeof AnalysisTemplateSpec>;
/** AnalysisRun.spec as TypeScript sees it. */
export type AnalysisRunSpec = Static<typeof AnalysisRunSpec>;
/** AnalysisRun.status as TypeScript sees it. */
export type AnalysisRunStatus = Static<typeof AnalysisRunStatus>;
/** One measurement as TypeScript sees it. */
export type Measurement = Static<typeof Measurement>;
/** A metric result as TypeScript sees it. */
export type MetricResult = Static<typeof MetricResult>;

/** Object metadata as the analysis code reads it. */
export interface AnalysisObjectMeta {
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  generation?: number | undefined;
  creationTimestamp?: string | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  ownerReferences?: unknown[] | undefined;
}

/** An AnalysisTemplate or ClusterAnalysisTemplate object. */
export interface AnalysisTemplate {
  apiVersion?: string;
  kind?: string;
  metadata: AnalysisObjectMeta;
  spec: AnalysisTemplateSpec;
}

/** An AnalysisRun object. */
export interface AnalysisRun {
  apiVersion?: string;
  kind?: string;
  metadata: AnalysisObjectMeta;
  spec: AnalysisRunSpec;
  status?: AnalysisRunStatus;
}

/** AnalysisRun and metric phases, with Argo's spelling. */
export const AnalysisPhase = {
  Pending: 'Pending',
  Running: 'Running',
  Successful: 'Successful',
  Failed: 'Failed',
  Error: 'Error',
  Inconclusive: 'Inconclusive',
} as const;

/** One of the analysis phases. */
export type AnalysisPhase = (typeof AnalysisPhase)[keyof typeof AnalysisPhase];
