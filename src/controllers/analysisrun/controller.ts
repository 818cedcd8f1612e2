// The AnalysisRun controller: a cache of runs feeds a keyed work queue; each pass is
// observe (the run, its secret args) → decide which measurements are due → measure (providers)
// → decide the new status → record → requeue at the next measurement's time. Measurements are
// scheduled from the time stamps in status, so a restart neither loses nor repeats one.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import type { AnalysisRun, AnalysisRunStatus, Metric } from '../../api/analysis.js';
import { instanceIdLabel } from '../rollout/controller.js';
import { StaleVersions } from '../../kube/stale-versions.js';
import type { MeasureOutcome, MetricProvider } from '../../analysis/provider.js';
import { argValues, secretRefs, substituteArgs } from '../../decide/analysis/args.js';
import { isTerminal } from '../../decide/analysis/metric.js';
import {
  advanceRun,
  dueMeasurements,
  expiresAt,
  stoppedMeasurements,
  type DueMeasurement,
} from '../../decide/analysis/run.js';
import { canonicalJson } from '../../decide/hash.js';
import { analysisRunInformer } from '../../kube/analysis-informers.js';
import { keyOf, type Informer } from '../../kube/informer.js';
import { rawRequest, resourcePath } from '../../kube/raw.js';
import { deleteIfPresent, isNotFoundError, mergePatch } from '../../kube/rollout-io.js';
import { timedPass } from '../timed-pass.js';
import {
  defaultRateLimit,
  runWorkers,
  WorkQueue,
  type ReconcileResult,
} from '../../kube/workqueue.js';
import type { ControllerMetrics } from '../../observability/metrics.js';
import type { Logger } from '../../observability/logger.js';

type RunObject = AnalysisRun & KubernetesObject;

/** How the AnalysisRun controller runs. */
export interface AnalysisRunControllerOptions {
  readonly namespace?: string | undefined;
  readonly workers: number;
  /** Handle only runs labelled with this controller instance id (Argo's --instance-id). */
  readonly instanceId?: string | undefined;
  /** The controller's own metrics; none when absent. */
  readonly metrics?: ControllerMetrics | undefined;
  /** Finds the provider for a metric (undefined: not supported). */
  readonly providerFor: (metric: Metric) => MetricProvider | undefined;
}

/** A run's argument values, or why they could not be read. */
type ArgValues =
  { ok: true; values: Record<string, string>; secrets: string[] } | { ok: false; error: string };

/**
 * A backend's error text may echo the query or URL, which can hold secret args: their values
 * are masked before the message reaches status, events or logs.
 */
function redact(outcome: MeasureOutcome, secrets: readonly string[]): MeasureOutcome {
  if (outcome.kind === 'value' || !outcome.message) return outcome;
  let message = outcome.message;
  for (const secret of secrets) if (secret.length >= 3) message = message.split(secret).join('***');
  return { ...outcome, message };
}

const runsApi = { apiVersion: 'argoproj.io/v1alpha1', plural: 'analysisruns' };

/** Reconciles AnalysisRuns until stopped. */
export class AnalysisRunController {
  private readonly runs: Informer<RunObject>;
  private readonly queue: WorkQueue;
  private readonly stale = new StaleVersions();
  private running: Promise<void> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
    private readonly opts: AnalysisRunControllerOptions,
  ) {
    this.runs = analysisRunInformer(kc, log, opts.namespace);
    this.queue = new WorkQueue(defaultRateLimit, opts.metrics?.queue('analysisruns'));
  }

  /** The run cache, shared with the Rollout controller (it reads run phases from it). */
  get cache(): Informer<RunObject> {
    return this.runs;
  }

  /** Starts the cache and the workers. */
  async start(): Promise<void> {
    const enqueue = (run: RunObject): void => this.queue.add(keyOf(run));
    this.runs.on('add', enqueue);
    this.runs.on('update', enqueue);
    this.runs.on('delete', (run) =>
      this.opts.metrics?.forgetAnalysisRun(run.metadata.namespace ?? '', run.metadata.name),
    );
    await this.runs.start();
    this.running = runWorkers(
      this.queue,
      this.opts.workers,
      (key) => this.reconcile(key),
      (key, err) =>
        this.log.warn(
          { analysisRun: key, err: err instanceof Error ? err.message : String(err) },
          'analysis run reconcile failed; retrying with backoff',
        ),
    );
  }

  /** Stops the workers and the cache. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.running;
    await this.runs.stop();
  }

  /** True when this instance runs the AnalysisRun (the same instance-id rule as Rollouts). */
  handles(run: RunObject): boolean {
    const label = run.metadata.labels?.[instanceIdLabel];
    return this.opts.instanceId ? label === this.opts.instanceId : label === undefined;
  }

  /** One pass, timed for the reconcile histogram. */
  private reconcile(key: string): Promise<ReconcileResult | void> {
    return timedPass('analysisrun', key, this.opts.metrics, () => this.pass(key));
  }

  private async pass(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const run = this.runs.get(namespace, name);
    if (!run || run.metadata.deletionTimestamp || !this.handles(run)) return;
    if (isTerminal(run.status?.phase)) return this.expire(run);
    // Our last status write is not in the cache yet: measuring now could repeat a measurement.
    if (this.stale.isBehind(key, run.metadata.resourceVersion)) return { requeueAfterMs: 100 };
    return this.advance(key, run);
  }

  private async advance(key: string, run: RunObject): Promise<ReconcileResult | void> {
    const now = Date.now();
    // A secret arg that cannot be read leaves its placeholder unfilled: the run says which.
    const args = await this.argValues(run);
    const values = args.ok ? args.values : {};
    const outcomes = await this.measure(run, dueMeasurements(run, now, values), args);
    const decision = advanceRun(run, now, outcomes, values);
    await this.stopLeftovers(run, decision.status, values);
    if (canonicalJson(decision.status) !== canonicalJson(run.status ?? {}))
      await this.record(key, run, decision.status);
    this.observe(run, decision.status);
    if (decision.requeueAfterMs !== undefined) return { requeueAfterMs: decision.requeueAfterMs };
    return this.expire({ ...run, status: decision.status });
  }

  /** The run's series in analysis_run_info, analysis_run_phase and analysis_run_metric_phase. */
  private observe(run: RunObject, status: AnalysisRunStatus): void {
    const dryRun = new Set(status.metricResults?.filter((m) => m.dryRun).map((m) => m.name));
    this.opts.metrics?.setAnalysisRun({
      namespace: run.metadata.namespace ?? '',
      name: run.metadata.name,
      phase: status.phase ?? 'Pending',
      metrics: run.spec.metrics.map((m) => ({
        name: m.name,
        type: Object.keys(m.provider)[0] ?? '',
        phase: status.metricResults?.find((r) => r.name === m.name)?.phase ?? 'Pending',
        dryRun: dryRun.has(m.name),
      })),
    });
  }

  private async record(key: string, run: RunObject, status: AnalysisRunStatus): Promise<void> {
    const written = await mergePatch<{ metadata?: { resourceVersion?: string } }>(
      this.kc,
      { ...this.ref(run), subresource: 'status' },
      { status },
    );
    if (written.metadata?.resourceVersion !== run.metadata.resourceVersion)
      this.stale.remember(key, run.metadata.resourceVersion);
    if (isTerminal(status.phase))
      this.log.info(
        { analysisRun: key, phase: status.phase, message: status.message },
        'analysis run finished',
      );
  }

  /** Measurements closed as "Metric Terminated" this pass: their Jobs are deleted. */
  private async stopLeftovers(
    run: RunObject,
    next: AnalysisRunStatus,
    values: Record<string, string>,
  ): Promise<void> {
    for (const { metricName, measurement } of stoppedMeasurements(run, next)) {
      const metric = run.spec.metrics.find((m) => m.name === metricName);
      const substituted = metric ? substituteArgs(metric, values) : undefined;
      if (!substituted?.ok) continue;
      await this.opts.providerFor(substituted.metric)?.terminate?.({
        metric: substituted.metric,
        namespace: run.metadata.namespace ?? '',
        run: { name: run.metadata.name, uid: run.metadata.uid ?? '' },
        index: 0,
        inProgress: measurement,
      });
    }
  }

  private ref(run: RunObject) {
    return { ...runsApi, namespace: run.metadata.namespace ?? '', name: run.metadata.name };
  }

  /** Takes the due measurements, one provider call each; failures come back as outcomes. */
  private async measure(
    run: RunObject,
    due: readonly DueMeasurement[],
    values: ArgValues,
  ): Promise<Record<string, MeasureOutcome>> {
    if (due.length === 0) return {};
    const outcomes: Record<string, MeasureOutcome> = {};
    await Promise.all(
      due.map(async (d) => {
        outcomes[d.metricName] = await this.measureOne(run, d, values);
      }),
    );
    return outcomes;
  }

  private async measureOne(
    run: RunObject,
    due: DueMeasurement,
    args: ArgValues,
  ): Promise<MeasureOutcome> {
    if (!args.ok) return { kind: 'error', message: args.error };
    const metric = run.spec.metrics.find((m) => m.name === due.metricName);
    if (!metric) return { kind: 'error', message: `metric "${due.metricName}" not found` };
    const substituted = substituteArgs(metric, args.values);
    if (!substituted.ok) return { kind: 'error', message: substituted.error };
    const provider = this.opts.providerFor(substituted.metric);
    if (!provider) return { kind: 'error', message: `metric "${metric.name}": no provider` };
    const outcome = await provider.measure({
      metric: substituted.metric,
      namespace: run.metadata.namespace ?? '',
      run: { name: run.metadata.name, uid: run.metadata.uid ?? '' },
      index: due.index,
      inProgress: due.inProgress,
    });
    return redact(outcome, args.secrets);
  }

  /** The run's arg values, with secret values read now (kept in memory only). */
  private async argValues(run: RunObject): Promise<ArgValues> {
    const args = run.spec.args ?? [];
    const secrets: Record<string, string> = {};
    for (const ref of secretRefs(args)) {
      const value = await this.secretValue(run.metadata.namespace ?? '', ref.name, ref.key);
      if (value === undefined)
        return {
          ok: false,
          error: `args.${ref.arg}: key "${ref.key}" of Secret "${ref.name}" not found`,
        };
      secrets[ref.arg] = value;
    }
    return { ok: true, values: argValues(args, secrets), secrets: Object.values(secrets) };
  }

  private async secretValue(
    namespace: string,
    name: string,
    key: string,
  ): Promise<string | undefined> {
    try {
      const secret = await rawRequest<{ data?: Record<string, string> }>(this.kc, {
        method: 'GET',
        path: resourcePath({ apiVersion: 'v1', plural: 'secrets', namespace, name }),
      });
      const data = secret.data?.[key];
      return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
  }

  /** Deletes a finished run once its ttlStrategy says so; otherwise looks again then. */
  private async expire(run: RunObject): Promise<ReconcileResult | void> {
    const at = expiresAt(run);
    if (at === undefined) return;
    if (at > Date.now()) return { requeueAfterMs: at - Date.now() };
    await deleteIfPresent(this.kc, this.ref(run));
  }
}
