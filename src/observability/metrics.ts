// The controller's own Prometheus metrics: Argo Rollouts' metric names and labels for Rollouts,
// AnalysisRuns and notifications, client-go's work-queue metrics, and Node's process metrics, all
// on one registry that the metrics server exposes.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { version as rampVersion } from '../version.js';
import { gitopsMetrics, type GitOpsKind, type GitOpsSnapshot } from './gitops-metrics.js';
import {
  analysisRunFamily,
  rolloutFamily,
  type AnalysisRunSnapshot,
  type RolloutSnapshot,
} from './object-metrics.js';
import { ObjectCap } from './series-cap.js';

/** The snapshot types and Argo's phase computation, for callers that import only this module. */
export {
  rolloutMetricPhase,
  rolloutMetricPhases,
  analysisMetricPhases,
  type AnalysisRunSnapshot,
  type RolloutMetricPhase,
  type RolloutSnapshot,
} from './object-metrics.js';
/** The GitOps snapshot type, for callers that import only this module. */
export type { GitOpsKind, GitOpsSnapshot } from './gitops-metrics.js';

/** Objects per family (Rollouts, AnalysisRuns, GitOps objects) that get series before new ones are dropped. */
export const defaultMaxSeries = 10_000;

/** Work-queue metrics of one queue. */
export interface QueueMetrics {
  /** Items waiting now. */
  depth(n: number): void;
  /** One add() the queue accepted. */
  added(): void;
  /** One rate-limited re-queue after a failure. */
  retried(): void;
  /** Seconds an item waited between being queued and handed to a worker. */
  latency(seconds: number): void;
  /** Seconds a worker spent on one item. */
  workDuration(seconds: number): void;
}

/** The controller's metrics; every method is cheap, and a NaN or negative duration never throws. */
export interface ControllerMetrics {
  /** The registry /metrics serves; the process metrics are on it too. */
  readonly registry: Registry;
  /** A reconcile pass of a Rollout or AnalysisRun finished (error when it threw). */
  observeReconcile(
    kind: 'rollout' | 'analysisrun',
    namespace: string,
    name: string,
    seconds: number,
    error: boolean,
  ): void;
  /**
   * The Rollout as the controller last saw it (after its pass): sets rollout_info,
   * rollout_info_replicas_*, rollout_phase. Pass status.conditions too: the phase label is Argo's
   * reconcile phase (Completed, Progressing, Paused, Timeout, Error, Abort, InvalidSpec).
   */
  setRollout(r: RolloutSnapshot): void;
  /**
   * The Rollout is gone: drops all its series (call on delete, or they live until restart). A
   * reconcile timing of it in the next minute is ignored; a later setRollout adds it back.
   */
  forgetRollout(namespace: string, name: string): void;
  /** The AnalysisRun as the controller last saw it: analysis_run_info, _phase, _metric_type, _metric_phase. */
  setAnalysisRun(r: AnalysisRunSnapshot): void;
  /** The AnalysisRun is gone: drops all its series (with the same grace as forgetRollout). */
  forgetAnalysisRun(namespace: string, name: string): void;
  /**
   * A GitRepository or GitSync as its last pass left it: gitops_condition (Ready and Healthy, one
   * series each with status and reason; a changed condition replaces its series) and
   * gitops_suspended.
   */
  setGitOpsObject(s: GitOpsSnapshot): void;
  /** The GitOps object is gone: drops all its series and frees its place under the cap. */
  forgetGitOpsObject(kind: GitOpsKind, namespace: string, name: string): void;
  /** One GitOps pass took `seconds` (error when it threw); labelled by kind only. */
  observeGitOpsReconcile(kind: GitOpsKind, seconds: number, error: boolean): void;
  /** Notification delivery (the notifier calls these). */
  notificationSent(service: string, trigger: string): void;
  /** A notification could not be delivered. */
  notificationFailed(service: string, trigger: string): void;
  /** Work queue gauges/counters, per queue name ('rollouts' | 'analysisruns'). */
  queue(name: string): QueueMetrics;
}

/** Options of createControllerMetrics. */
export interface ControllerMetricsOptions {
  /** Objects per family with series; default 10,000. */
  readonly maxSeries?: number | undefined;
  /** Node process metrics (CPU, RSS, event loop, GC); default true. Tests turn them off. */
  readonly defaultMetrics?: boolean | undefined;
  /** The version label of ramp_controller_info; default ramp's package version. */
  readonly version?: string | undefined;
}

// client-go's workqueue buckets: prometheus.ExponentialBuckets(10e-9, 10, 10).
const queueBuckets = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10];

/** Creates a registry holding all of the controller's metrics. */
export function createControllerMetrics(opts: ControllerMetricsOptions = {}): ControllerMetrics {
  const registry = new Registry();
  const max = seriesCap(opts.maxSeries);
  const dropped = new Counter({
    name: 'ramp_metrics_series_dropped_total',
    help: 'Updates of objects refused because their family already has maxSeries objects (raise the cap, or objects are not being forgotten).',
    labelNames: ['family'],
    registers: [registry],
  });
  const rollouts = rolloutFamily(
    registry,
    new ObjectCap(max, () => dropped.inc({ family: 'rollout' })),
  );
  const runs = analysisRunFamily(
    registry,
    new ObjectCap(max, () => dropped.inc({ family: 'analysisrun' })),
  );
  const gitops = gitopsMetrics(
    registry,
    new ObjectCap(max, () => dropped.inc({ family: 'gitops' })),
  );
  for (const family of ['rollout', 'analysisrun', 'gitops']) dropped.inc({ family }, 0);
  registerControllerInfo(registry, opts.version ?? rampVersion);
  const notifications = notificationCounters(registry);
  const queues = queueMetrics(registry);
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    // eslint-disable-next-line max-params -- the signature the controllers were wired against
    observeReconcile: (kind, namespace, name, seconds, error) =>
      (kind === 'rollout' ? rollouts : runs).observe(namespace, name, seconds, error),
    setRollout: (r) => rollouts.set(r),
    forgetRollout: (namespace, name) => rollouts.forget(namespace, name),
    setAnalysisRun: (r) => runs.set(r),
    forgetAnalysisRun: (namespace, name) => runs.forget(namespace, name),
    setGitOpsObject: (s) => gitops.set(s),
    forgetGitOpsObject: (kind, namespace, name) => gitops.forget(kind, namespace, name),
    observeGitOpsReconcile: (kind, seconds, error) => gitops.observe(kind, seconds, error),
    notificationSent: (service, trigger) => notifications.success.inc({ service, trigger }),
    notificationFailed: (service, trigger) => notifications.error.inc({ service, trigger }),
    queue: queues,
  };
}

/** A misconfigured cap must fail at start, not silently disable the bound (NaN compares false). */
function seriesCap(max: number | undefined): number {
  if (max === undefined) return defaultMaxSeries;
  if (!Number.isInteger(max) || max < 0)
    throw new RangeError(`maxSeries must be a whole number of at least 0, not ${max}`);
  return max;
}

/** Argo's is argo_rollouts_controller_info; ramp's own name keeps the two apart in one Prometheus. */
function registerControllerInfo(registry: Registry, version: string): void {
  new Gauge({
    name: 'ramp_controller_info',
    help: 'Running ramp version',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version }, 1);
}

/**
 * Argo's counter names; labelled by service and trigger (bounded by the notification config) where
 * Argo uses the object's namespace/name, because a notification about a deleted Rollout (on
 * delete) would otherwise create series that nothing ever forgets.
 */
function notificationCounters(registry: Registry): {
  success: Counter<string>;
  error: Counter<string>;
} {
  const labelNames = ['service', 'trigger'];
  return {
    success: new Counter({
      name: 'notification_send_success',
      help: 'Notification send success.',
      labelNames,
      registers: [registry],
    }),
    error: new Counter({
      name: 'notification_send_error',
      help: 'Error sending the notification',
      labelNames,
      registers: [registry],
    }),
  };
}

/** client-go's workqueue_* metrics, labelled by queue name; counters start at 0 for rate(). */
function queueMetrics(registry: Registry): (name: string) => QueueMetrics {
  const labelNames = ['name'];
  const registers = [registry];
  const depth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue',
    labelNames,
    registers,
  });
  const adds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue',
    labelNames,
    registers,
  });
  const retries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue',
    labelNames,
    registers,
  });
  const waited = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested.',
    labelNames,
    buckets: queueBuckets,
    registers,
  });
  const worked = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes.',
    labelNames,
    buckets: queueBuckets,
    registers,
  });
  const known = new Map<string, QueueMetrics>();
  return (name) => {
    const existing = known.get(name);
    if (existing) return existing;
    const labels = { name };
    depth.set(labels, 0);
    adds.inc(labels, 0);
    retries.inc(labels, 0);
    const made: QueueMetrics = {
      depth: (n) => depth.set(labels, n),
      added: () => adds.inc(labels),
      retried: () => retries.inc(labels),
      latency: (seconds) => observeSeconds(waited, labels, seconds),
      workDuration: (seconds) => observeSeconds(worked, labels, seconds),
    };
    known.set(name, made);
    return made;
  };
}

/** prom-client throws on NaN: a bad clock reading must not escape into a worker loop. */
function observeSeconds(
  h: Histogram<string>,
  labels: Record<string, string>,
  seconds: number,
): void {
  if (Number.isFinite(seconds)) h.observe(labels, Math.max(0, seconds));
}
