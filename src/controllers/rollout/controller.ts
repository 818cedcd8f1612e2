// The Rollout controller: informers feed a keyed work queue; each pass is
// observe → decide (planRollout) → act → record → requeue.
import type {
  KubeConfig,
  KubernetesObject,
  V1Ingress,
  V1ReplicaSet,
  V1Service,
} from '@kubernetes/client-node';

import { Reason } from '../../api/conditions.js';
import type { Rollout } from '../../api/rollout.js';
import { statusFor } from '../../decide/rollout-status.js';
import { planRollout, type RolloutPlan } from '../../decide/rollout-plan.js';
import { managedRouteNames } from '../../decide/managed-routes.js';
import { keyOf } from '../../kube/informer.js';
import { rolloutInformers, type RolloutInformers } from '../../kube/informers.js';
import { RoutingInformers } from '../../kube/routing-informers.js';
import { isConflictError, recordEvent } from '../../kube/rollout-io.js';
import { timedPass } from '../timed-pass.js';
import {
  defaultRateLimit,
  runWorkers,
  WorkQueue,
  type ReconcileResult,
} from '../../kube/workqueue.js';
import type { ControllerMetrics, RolloutSnapshot } from '../../observability/metrics.js';
import { notificationsFor, type NotificationEvent } from '../../decide/notification-events.js';
import type { Logger } from '../../observability/logger.js';
import { NginxRouter } from '../../traffic/nginx.js';
import { CompositeRouter, RoutingError, type TrafficRouter } from '../../traffic/router.js';
import { weightedKindsFor } from '../../traffic/weighted.js';
import { WeightedRouter } from '../../traffic/weighted-router.js';
import { act } from './act.js';
import {
  missingWorkloadMessage,
  resolveWorkload,
  withWorkload,
} from '../../decide/workload-ref.js';
import { pendingRestart, withRestart } from '../../decide/restart.js';
import {
  ownedReplicaSets,
  replicaSetFacts,
  observePods,
  observeRollout,
  observeWorkload,
  steeredServices,
  type AnalysisCaches,
  type ObserveCaches,
} from './observe.js';
import type { AnalysisRun } from '../../api/analysis.js';
import { templateInformers } from '../../kube/analysis-informers.js';
import type { Informer } from '../../kube/informer.js';
import { releaseService } from './act.js';
import { managedByAnnotation } from '../../decide/plan-common.js';
import { recordStatus } from './record.js';

/** Argo's label that assigns a Rollout to one controller instance. */
export const instanceIdLabel = 'argo-rollouts.argoproj.io/controller-instance-id';

/** How the controller runs. */
export interface RolloutControllerOptions {
  /** Watch only this namespace (Argo's --namespaced); all namespaces when absent. */
  readonly namespace?: string | undefined;
  /** Handle only Rollouts labelled with this instance id; when absent, only unlabelled ones. */
  readonly instanceId?: string | undefined;
  readonly workers: number;
  /** The AnalysisRun cache (shared with the AnalysisRun controller); no analysis without it. */
  readonly analysisRuns?: Informer<AnalysisRun & KubernetesObject> | undefined;
  /** The controller's own metrics; none when absent. */
  readonly metrics?: ControllerMetrics | undefined;
  /** Where a pass's notifications go (it drops repeats and sends in the background). */
  readonly notifier?: { notify(event: NotificationEvent): void } | undefined;
}

type RolloutObject = Rollout & KubernetesObject;

/** How often a workloadRef Rollout re-reads its Deployment for template changes. */
const workloadPollMs = 5_000;

/** Longest wait for the cache to show our own status write before acting anyway. */
const staleCacheLimitMs = 10_000;

/** Reconciles Rollouts until stopped. */
export class RolloutController {
  private readonly informers: RolloutInformers;
  private readonly queue: WorkQueue;
  private readonly nginx: NginxRouter;
  private readonly routing: RoutingInformers;
  private readonly analysis: AnalysisCaches | undefined;
  /** resourceVersion each Rollout had when its status was last written: a cache still at it is stale. */
  private readonly staleVersions = new Map<string, { version: string; at: number }>();
  private running: Promise<void> | undefined;
  /** Deleted Rollouts whose managed routes are still to be taken out of the routing objects. */
  private readonly deleted = new Map<string, RolloutObject>();

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
    private readonly opts: RolloutControllerOptions,
  ) {
    this.informers = rolloutInformers(kc, log, opts.namespace);
    this.queue = new WorkQueue(defaultRateLimit, opts.metrics?.queue('rollouts'));
    this.nginx = new NginxRouter(kc, this.informers.ingresses);
    this.routing = new RoutingInformers(kc, log, opts.namespace);
    this.analysis = opts.analysisRuns
      ? { runs: opts.analysisRuns, ...templateInformers(kc, log, opts.namespace) }
      : undefined;
  }

  /** Starts the informers, waits for their caches, then starts the workers. */
  async start(): Promise<void> {
    const { rollouts, replicaSets, services, ingresses } = this.informers;
    const enqueue = (obj: RolloutObject): void => {
      if (this.handles(obj)) this.queue.add(keyOf(obj));
    };
    rollouts.on('add', enqueue);
    rollouts.on('update', enqueue);
    rollouts.on('delete', (obj) => {
      this.staleVersions.delete(keyOf(obj));
      this.opts.metrics?.forgetRollout(obj.metadata.namespace ?? '', obj.metadata.name);
      // Services and routing objects are the person's: what ramp put in them goes with the Rollout.
      if (
        this.handles(obj) &&
        (managedRouteNames(obj).length > 0 || steeredServices(obj).length > 0)
      ) {
        this.deleted.set(keyOf(obj), obj);
        this.queue.add(keyOf(obj));
      }
    });
    const byOwner = (rs: V1ReplicaSet): void => {
      const owner = rs.metadata?.ownerReferences?.find((o) => o.controller && o.kind === 'Rollout');
      this.log.debug(
        { rs: rs.metadata?.name, rv: rs.metadata?.resourceVersion, owner: owner?.name },
        'replicaset event',
      );
      if (owner) this.queue.add(`${rs.metadata?.namespace}/${owner.name}`);
    };
    for (const event of ['add', 'update', 'delete'] as const) replicaSets.on(event, byOwner);
    const byNamespace = (obj: V1Service | V1Ingress): void => {
      for (const ro of rollouts.list(obj.metadata?.namespace)) enqueue(ro);
    };
    for (const event of ['add', 'update', 'delete'] as const) {
      services.on(event, byNamespace);
      ingresses.on(event, byNamespace);
    }
    // A routing object edited by hand (weights, routes) is put back by the next pass.
    this.routing.onChange((obj) => {
      for (const ro of rollouts.list(obj.metadata?.namespace)) enqueue(ro);
    });
    this.watchAnalysis(enqueue);
    await Promise.all([
      rollouts.start(),
      replicaSets.start(),
      services.start(),
      ingresses.start(),
      ...(this.analysis
        ? [this.analysis.templates.start(), this.analysis.clusterTemplates.start()]
        : []),
    ]);
    this.log.info(
      { namespace: this.opts.namespace ?? '(all)', workers: this.opts.workers },
      'rollout controller started',
    );
    this.running = runWorkers(
      this.queue,
      this.opts.workers,
      (key) => this.reconcile(key),
      (key, err) =>
        this.log.warn(
          { rollout: key, err: err instanceof Error ? err.message : String(err) },
          'reconcile failed; retrying with backoff',
        ),
    );
  }

  /** A run's phase change wakes its Rollout; a template change wakes the Rollouts near it. */
  private watchAnalysis(enqueue: (obj: RolloutObject) => void): void {
    if (!this.analysis) return;
    const rollouts = this.informers.rollouts;
    const byOwner = (run: KubernetesObject): void => {
      const owner = run.metadata?.ownerReferences?.find((o) => o.kind === 'Rollout');
      if (owner) this.queue.add(`${run.metadata?.namespace}/${owner.name}`);
    };
    const byNamespace = (obj: KubernetesObject): void => {
      for (const ro of rollouts.list(obj.metadata?.namespace)) enqueue(ro);
    };
    for (const event of ['add', 'update', 'delete'] as const) {
      this.analysis.runs.on(event, byOwner);
      this.analysis.templates.on(event, byNamespace);
      this.analysis.clusterTemplates.on(event, () => {
        for (const ro of rollouts.list()) enqueue(ro);
      });
    }
  }

  /** Stops workers and informers. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.running;
    await Promise.all(
      Object.values(this.informers).map((i: { stop(): Promise<void> }) => i.stop()),
    );
    await this.routing.stop();
    if (this.analysis)
      await Promise.all([this.analysis.templates.stop(), this.analysis.clusterTemplates.stop()]);
  }

  private caches(): ObserveCaches {
    return { ...this.informers, analysis: this.analysis };
  }

  /** True when this instance is responsible for the Rollout (Argo's instance-id partitioning). */
  handles(rollout: RolloutObject): boolean {
    const label = rollout.metadata?.labels?.[instanceIdLabel];
    return this.opts.instanceId ? label === this.opts.instanceId : label === undefined;
  }

  private routerFor(rollout: Rollout): TrafficRouter | undefined {
    const routers: TrafficRouter[] = [
      ...(rollout.spec.strategy?.canary?.trafficRouting?.nginx ? [this.nginx] : []),
      ...weightedKindsFor(rollout).map((kind) => new WeightedRouter(this.kc, kind, this.routing)),
    ];
    if (routers.length <= 1) return routers[0];
    return new CompositeRouter(routers);
  }

  /** One pass, timed for the reconcile histogram. */
  private reconcile(key: string): Promise<ReconcileResult | void> {
    return timedPass('rollout', key, this.opts.metrics, () => this.pass(key));
  }

  private async pass(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const rollout = this.informers.rollouts.get(namespace, name);
    this.log.debug({ rollout: key, rv: rollout?.metadata.resourceVersion }, 'reconcile start');
    if (!rollout) return this.cleanUpDeleted(key);
    if (!this.handles(rollout) || rollout.metadata.deletionTimestamp) return;
    // Our last status write is not in the cache yet: acting now could undo it.
    if (this.cacheBehind(key, rollout)) {
      this.log.debug(
        { rollout: key },
        'cache older than our last status write; looking again shortly',
      );
      return { requeueAfterMs: 100 };
    }
    // One router per pass: it is both read in observe and written in act.
    const router = this.routerFor(rollout);
    const plan = await this.plan(rollout, router);
    this.log.debug({ rollout: key, actions: plan.actions.length }, 'planned');
    try {
      await act(this.kc, rollout, plan.actions, router);
    } catch (err) {
      if (!(err instanceof RoutingError)) throw err;
      await this.reportRoutingError(rollout, err);
      return { requeueAfterMs: 30_000 };
    }
    this.log.debug({ rollout: key }, 'acted');
    this.notify(rollout, plan);
    await this.record(key, rollout, plan);
    this.observe(rollout, plan);
    this.log.debug(
      {
        rollout: key,
        actions: plan.actions.map((a) => a.kind),
        phase: plan.status.phase,
        requeueAfterMs: plan.requeueAfterMs,
      },
      'reconciled',
    );
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }

  /** Hands the pass's notifications to the notifier (which sends them in the background). */
  private notify(rollout: RolloutObject, plan: RolloutPlan): void {
    // Notifications follow Events: a pass without any has nothing to tell (the usual case).
    if (!this.opts.notifier || !plan.actions.some((a) => a.kind === 'event')) return;
    const runs = this.analysis?.runs
      .list(rollout.metadata.namespace)
      .filter((r) =>
        r.metadata.ownerReferences?.some(
          (o) => (o as { uid?: string }).uid === rollout.metadata.uid,
        ),
      );
    const events = notificationsFor({
      rollout,
      status: plan.status,
      actions: plan.actions,
      replicaSets: ownedReplicaSets(rollout, this.informers.replicaSets).map(replicaSetFacts),
      runs: runs ?? [],
      now: Date.now(),
    });
    for (const event of events) this.opts.notifier.notify(event);
  }

  /** The Rollout's series in rollout_info, rollout_phase and the replica gauges. */
  private observe(rollout: RolloutObject, plan: RolloutPlan): void {
    this.opts.metrics?.setRollout(
      rolloutSnapshot(rollout, plan.status, this.routerFor(rollout)?.name ?? ''),
    );
  }

  /**
   * Gives back what a deleted Rollout changed in objects it does not own: its header and mirror
   * routes, and the pod-template-hash selectors of the Services it steered (as Argo does). A
   * failure is retried with backoff.
   */
  private async cleanUpDeleted(key: string): Promise<void> {
    const gone = this.deleted.get(key);
    if (!gone) return;
    if (managedRouteNames(gone).length > 0) await this.routerFor(gone)?.removeRoutes(gone);
    for (const name of steeredServices(gone)) {
      const svc = this.informers.services.get(gone.metadata.namespace, name);
      if (svc?.metadata?.annotations?.[managedByAnnotation] === gone.metadata.name)
        await releaseService(this.kc, gone.metadata.namespace ?? '', name);
    }
    this.deleted.delete(key);
    this.log.info({ rollout: key }, 'released services and routes of deleted rollout');
  }

  /**
   * True while the cache still holds the version our last status write replaced. Bounded in time:
   * a watch that lost that event must not stop the rollout for good (the watchdog restarts it).
   */
  private cacheBehind(key: string, rollout: RolloutObject): boolean {
    const stale = this.staleVersions.get(key);
    if (!stale || stale.version !== rollout.metadata.resourceVersion) return false;
    return Date.now() - stale.at < staleCacheLimitMs;
  }

  private async plan(
    rollout: RolloutObject,
    router: TrafficRouter | undefined,
  ): Promise<RolloutPlan> {
    const plan = await this.planRollout(rollout, router);
    const facts = { rollout, now: Date.now() };
    if (pendingRestart(facts) === undefined) return plan;
    const observed = await observeRollout(rollout, this.caches(), undefined, facts.now);
    return withRestart(plan, observed, await observePods(this.kc, rollout));
  }

  private async planRollout(
    rollout: RolloutObject,
    router: TrafficRouter | undefined,
  ): Promise<RolloutPlan> {
    const now = Date.now();
    const facts = await observeRollout(rollout, this.caches(), router, now);
    if (!rollout.spec.workloadRef) return planRollout(facts);
    const workload = await observeWorkload(this.kc, rollout);
    if (!workload)
      return {
        status: statusFor({ facts, invalidMessage: missingWorkloadMessage(rollout) }),
        actions: [],
        requeueAfterMs: 30_000,
      };
    const plan = withWorkload(
      planRollout({ ...facts, rollout: resolveWorkload(rollout, workload) }),
      rollout,
      workload,
    );
    // Deployments are not watched (a cache of every Deployment costs memory): look again soon.
    return {
      ...plan,
      requeueAfterMs: Math.min(plan.requeueAfterMs ?? workloadPollMs, workloadPollMs),
    };
  }

  private async record(key: string, rollout: RolloutObject, plan: RolloutPlan): Promise<void> {
    try {
      const read = rollout.metadata.resourceVersion ?? '';
      const written = await recordStatus(this.kc, rollout, plan.status);
      // A write the server found to change nothing keeps the version: the cache is not behind then.
      if (written && written !== read)
        this.staleVersions.set(key, { version: read, at: Date.now() });
    } catch (err) {
      // Someone else changed the Rollout since it was read: look again with the new version.
      if (isConflictError(err)) this.queue.add(key);
      else throw err;
    }
  }

  private async reportRoutingError(rollout: RolloutObject, err: RoutingError): Promise<void> {
    this.log.warn({ rollout: keyOf(rollout), err: err.message }, 'traffic routing failed');
    await recordEvent(
      this.kc,
      {
        apiVersion: rollout.apiVersion,
        kind: 'Rollout',
        namespace: rollout.metadata.namespace ?? '',
        name: rollout.metadata.name,
        uid: rollout.metadata.uid,
      },
      { type: 'Warning', reason: Reason.WeightVerifyError, message: err.message },
    );
  }
}

/** What the metrics show of a Rollout after a pass. */
function rolloutSnapshot(
  rollout: RolloutObject,
  status: RolloutPlan['status'],
  trafficRouter: string,
): RolloutSnapshot {
  const desired = rollout.spec.replicas ?? 1;
  const available = status.availableReplicas ?? 0;
  return {
    namespace: rollout.metadata.namespace ?? '',
    name: rollout.metadata.name,
    strategy: rollout.spec.strategy?.blueGreen ? 'blueGreen' : 'canary',
    phase: status.phase ?? '',
    replicas: {
      desired,
      available,
      updated: status.updatedReplicas ?? 0,
      unavailable: Math.max(0, desired - available),
    },
    conditions: status.conditions ?? [],
    trafficRouter,
  };
}
