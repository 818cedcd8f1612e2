// The GitSync controller: informers feed a keyed work queue; each pass is observe (source,
// dependencies, windows) → gate (pure) → sync (render, apply, prune, health) or a health-only
// read → status (pure) → record → requeue at the interval, the retry interval, a sync window's
// edge, or a few seconds while objects are still progressing.
import type { KubeConfig } from '@kubernetes/client-node';

import type { GitSync } from '../../api/gitops.js';
import { GitOpsReason as R } from '../../api/gitops-conditions.js';
import { nextRequeueMs } from '../../decide/gitops/requeue.js';
import { shaOfRevision } from '../../decide/gitops/ref.js';
import {
  failedStatus,
  healthStatus,
  invalidStatus,
  syncedStatus,
  type HealthSummary,
  type StatusDecision,
} from '../../decide/gitops/sync-status.js';
import { pendingRequest, syncGate, type SyncGate } from '../../decide/gitops/sync-gate.js';
import { goDurationMs } from '../../decide/durations.js';
import { canonicalJson } from '../../decide/hash.js';
import type { KustomizeCommand } from '../../gitops/render/index.js';
import { DynamicClient } from '../../kube/dynamic.js';
import {
  gitSyncInformer,
  type GitRepositoryObject,
  type GitSyncObject,
} from '../../kube/gitops-informers.js';
import { keyOf, type Informer } from '../../kube/informer.js';
import {
  defaultRateLimit,
  runWorkers,
  WorkQueue,
  type ReconcileResult,
} from '../../kube/workqueue.js';
import { StaleVersions } from '../../kube/stale-versions.js';
import type { Logger } from '../../observability/logger.js';
import type { ControllerMetrics } from '../../observability/metrics.js';
import { forgetDeletedGitOpsObjects, reportGitOpsObject } from '../gitops-metrics.js';
import type { GitRepositoryController } from '../gitrepository/controller.js';
import { timedGitOpsPass } from '../timed-pass.js';
import { gateFacts, sourceFact, sourceOf, type GitSyncCaches } from './observe.js';
import { recordDecision } from './record.js';
import { readHealth, runSync } from './sync.js';

/** How the GitSync controller runs. */
export interface GitSyncControllerOptions {
  readonly namespace?: string | undefined;
  readonly workers: number;
  readonly repositories: GitRepositoryController;
  readonly kustomize: KustomizeCommand;
  /** Refuse sourceRef and dependsOn in other namespaces (multi-tenant clusters). */
  readonly noCrossNamespaceRefs?: boolean | undefined;
  /** The account GitSyncs without serviceAccountName apply as (none: the controller's own). */
  readonly defaultServiceAccount?: string | undefined;
  /** gitops_condition, gitops_suspended and the reconcile timing of GitSyncs. */
  readonly metrics?: ControllerMetrics | undefined;
}

/** Reconciles GitSyncs until stopped. */
export class GitSyncController {
  private readonly syncs: Informer<GitSyncObject>;
  private readonly queue = new WorkQueue(defaultRateLimit);
  private readonly clients = new Map<string, DynamicClient>();
  private readonly stale = new StaleVersions();
  private readonly missingCheckouts = new Map<string, number>();
  private readonly fetchRequests = new Map<string, number>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
    private readonly opts: GitSyncControllerOptions,
  ) {
    this.syncs = gitSyncInformer(kc, log, opts.namespace);
  }

  /** The GitSync cache. */
  get cache(): Informer<GitSyncObject> {
    return this.syncs;
  }

  private get caches(): GitSyncCaches {
    return { repos: this.opts.repositories.cache, syncs: this.syncs };
  }

  /** Starts the cache and the workers (the GitRepository cache must be started too). */
  async start(): Promise<void> {
    this.syncs.on('add', (gs) => this.queue.add(keyOf(gs)));
    this.syncs.on('update', (gs, old) => this.onSyncUpdate(gs, old));
    forgetDeletedGitOpsObjects(this.opts.metrics, 'GitSync', this.syncs);
    this.opts.repositories.cache.on('update', (repo, old) => {
      if (canonicalJson(repo.status?.artifact ?? {}) === canonicalJson(old?.status?.artifact ?? {}))
        return;
      for (const gs of this.syncs.list()) if (sourcedFrom(gs, repo)) this.queue.add(keyOf(gs));
    });
    await this.syncs.start();
    this.running = runWorkers(
      this.queue,
      this.opts.workers,
      (key) => timedGitOpsPass('GitSync', this.opts.metrics, () => this.pass(key)),
      (key, err) =>
        this.log.warn(
          { gitSync: key, err: err instanceof Error ? err.message : String(err) },
          'git sync reconcile failed; retrying with backoff',
        ),
    );
  }

  /** Stops the workers and the cache. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.running;
    await this.syncs.stop();
  }

  /** A spec or annotation change reconciles it; any status change wakes GitSyncs that depend on it. */
  private onSyncUpdate(gs: GitSyncObject, old: GitSyncObject | undefined): void {
    if (!old || specOrAnnotationsChanged(gs, old)) this.queue.add(keyOf(gs));
    if (old && !conditionsChanged(gs, old)) return;
    for (const other of this.syncs.list()) if (dependsOn(other, gs)) this.queue.add(keyOf(other));
  }

  private async pass(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const gs = this.syncs.get(namespace, name);
    if (!gs || gs.metadata.deletionTimestamp) return;
    // Our last status write is not in the cache yet: a pass now would start from the old
    // inventory and could forget an object applied a moment ago.
    if (this.stale.isBehind(key, gs.metadata.resourceVersion)) return { requeueAfterMs: 100 };
    const now = new Date();
    const repo = sourceOf(gs, this.caches);
    const gate = syncGate(
      gs,
      gateFacts(gs, { ...this.caches, rules: this.opts }, sourceFact(gs, repo), now),
    );
    const outcome = await this.act(gs, gate, now);
    if (outcome.decision && (await recordDecision(this.kc, this.log, gs, outcome.decision)))
      this.stale.remember(key, gs.metadata.resourceVersion);
    this.report(gs, outcome.decision);
    return outcome.requeueAfterMs === undefined
      ? undefined
      : { requeueAfterMs: outcome.requeueAfterMs };
  }

  /**
   * The metrics follow the status the pass decided (the cached one when it decided nothing, as
   * when suspended); not for a GitSync deleted during the pass, whose series are already gone.
   */
  private report(gs: GitSyncObject, decision: StatusDecision | undefined): void {
    const current = this.syncs.get(gs.metadata.namespace, gs.metadata.name);
    if (!current || current.metadata.uid !== gs.metadata.uid) return;
    reportGitOpsObject(
      this.opts.metrics,
      'GitSync',
      gs,
      (decision?.status ?? gs.status)?.conditions,
    );
  }

  private async act(
    gs: GitSyncObject,
    gate: SyncGate,
    now: Date,
  ): Promise<{ decision?: StatusDecision; requeueAfterMs?: number }> {
    switch (gate.kind) {
      case 'suspended':
        return {};
      case 'invalid':
        return { decision: invalidStatus(gs, gate.message, now) };
      case 'blocked':
        return this.blocked(gs, gate, now);
      case 'health':
        return this.healthPass(gs, now);
      case 'sync':
        return this.sync(gs, gate, now);
    }
  }

  /** Held by a dependency or a window: health is still read (a Degraded app must still say so). */
  private async blocked(
    gs: GitSyncObject,
    gate: Extract<SyncGate, { kind: 'blocked' }>,
    now: Date,
  ): Promise<{ decision: StatusDecision; requeueAfterMs: number }> {
    const health = healthStatus(gs, await this.safeHealth(gs), now);
    const requestedAt = pendingRequest(gs);
    const failed = failedStatus(
      { ...gs, status: health.status },
      {
        reason: gate.reason,
        message: gate.message,
        startedAt: now,
        requestedAt,
        // A periodic sync that waits says nothing new; a held revision or request does.
        keepReady: !gate.holdsNewRevision && requestedAt === undefined,
      },
      now,
    );
    return {
      decision: { status: failed.status, events: [...health.events, ...failed.events] },
      requeueAfterMs: this.requeue(gs, now, { failed: true, windowChangeAt: gate.retryAt }),
    };
  }

  private async healthPass(
    gs: GitSyncObject,
    now: Date,
  ): Promise<{ decision: StatusDecision; requeueAfterMs: number }> {
    const health = await this.safeHealth(gs);
    const decision = healthStatus(gs, health, now);
    return { decision, requeueAfterMs: this.requeue(gs, now, { health }) };
  }

  /** The inventory's health; a read that fails (RBAC, discovery) is Unknown with the reason. */
  private async safeHealth(gs: GitSyncObject): Promise<HealthSummary> {
    try {
      return await readHealth(this.clientFor(gs), gs.status?.inventory ?? []);
    } catch (err) {
      return { status: 'Unknown', message: `cannot read the objects: ${errorText(err)}` };
    }
  }

  private async sync(
    gs: GitSyncObject,
    gate: Extract<SyncGate, { kind: 'sync' }>,
    now: Date,
  ): Promise<{ decision: StatusDecision; requeueAfterMs: number }> {
    const requestedAt = pendingRequest(gs);
    const checkout = await this.checkout(gs, gate.revision);
    if (!checkout.dir) return this.checkoutMissing(gs, gate.revision, now);
    this.missingCheckouts.delete(keyOf(gs));
    const result = await runSync(
      gs,
      { client: this.clientFor(gs), kustomize: this.opts.kustomize, checkoutDir: checkout.dir },
      { mode: gate.mode, revision: gate.revision, digest: gate.digest, startedAt: now },
    ).catch((err: unknown) => ({
      failed: true as const,
      reason: R.ReconciliationFailed,
      message: errorText(err),
      inventory: gs.status?.inventory ?? [],
    }));
    const done = new Date();
    if ('failed' in result) {
      const decision = failedStatus(
        gs,
        { ...result, revision: gate.revision, digest: gate.digest, startedAt: now, requestedAt },
        done,
      );
      return { decision, requeueAfterMs: this.requeue(gs, done, { failed: true }) };
    }
    const decision = syncedStatus(gs, { ...result, requestedAt }, done);
    return { decision, requeueAfterMs: this.requeue(gs, done, { health: result.health }) };
  }

  private async checkout(gs: GitSyncObject, revision: string): Promise<{ dir?: string }> {
    const repo = sourceOf(gs, this.caches);
    const sha = shaOfRevision(revision);
    const found = repo && sha ? await this.opts.repositories.checkoutOf(repo, sha) : undefined;
    return found ? { dir: found.dir } : {};
  }

  /**
   * The artifact is in the GitRepository's status but not on this disk (a restart with an empty
   * cache): ask for a fetch (at most every 30 s) and come back with growing waits; after a few
   * tries Ready says so.
   */
  private checkoutMissing(
    gs: GitSyncObject,
    revision: string,
    now: Date,
  ): { decision: StatusDecision; requeueAfterMs: number } {
    const key = keyOf(gs);
    const tries = (this.missingCheckouts.get(key) ?? 0) + 1;
    this.missingCheckouts.set(key, tries);
    const repo = sourceOf(gs, this.caches);
    if (repo && !repo.spec.suspend) this.requestFetchThrottled(repo);
    const reason = repo?.status?.conditions?.find((c) => c.type === 'Ready' && c.status !== 'True');
    const why = reason ? `: ${reason.message}` : '';
    const decision = failedStatus(
      gs,
      {
        reason: R.ArtifactFailed,
        message: `checkout of ${revision} is not available on this controller yet${why}`,
        startedAt: now,
        keepReady: tries < 3,
      },
      now,
    );
    return { decision, requeueAfterMs: Math.min(60_000, 2_000 * 2 ** (tries - 1)) };
  }

  private requestFetchThrottled(repo: GitRepositoryObject): void {
    const key = keyOf(repo);
    const last = this.fetchRequests.get(key) ?? 0;
    if (Date.now() - last < 30_000) return;
    this.fetchRequests.set(key, Date.now());
    this.opts.repositories.requestFetch(repo.metadata.namespace, repo.metadata.name);
  }

  /** The next pass: as the outcome asks, but never later than the periodic sync's due time. */
  private requeue(
    gs: GitSync,
    now: Date,
    outcome: { failed?: boolean; health?: HealthSummary; windowChangeAt?: Date | undefined },
  ): number {
    const last = gs.status?.lastSyncTime;
    const dueInMs = last
      ? Date.parse(last) + goDurationMs(gs.spec.interval) - now.getTime()
      : Number.POSITIVE_INFINITY;
    return Math.min(Math.max(1_000, dueInMs), this.requeueFor(gs, now, outcome));
  }

  private requeueFor(
    gs: GitSync,
    now: Date,
    outcome: { failed?: boolean; health?: HealthSummary; windowChangeAt?: Date | undefined },
  ): number {
    return nextRequeueMs(
      {
        failed: outcome.failed === true,
        waitingForHealth:
          outcome.health?.status === 'InProgress' || outcome.health?.status === 'Unknown',
        intervalMs: goDurationMs(gs.spec.interval),
        ...(gs.spec.retryInterval ? { retryIntervalMs: goDurationMs(gs.spec.retryInterval) } : {}),
        ...(outcome.windowChangeAt ? { windowChangeAt: outcome.windowChangeAt } : {}),
        now,
      },
      Math.random(),
    );
  }

  /** A client acting as the GitSync's service account (impersonation), or as ramp itself. */
  private clientFor(gs: GitSync): DynamicClient {
    const account = gs.spec.serviceAccountName ?? this.opts.defaultServiceAccount;
    const user = account ? `system:serviceaccount:${gs.metadata.namespace}:${account}` : '';
    let client = this.clients.get(user);
    if (!client) {
      client = new DynamicClient(this.kc, user ? { impersonate: { user } } : undefined);
      this.clients.set(user, client);
    }
    return client;
  }
}

/** True when the GitSync takes its manifests from this GitRepository. */
function sourcedFrom(gs: GitSyncObject, repo: GitRepositoryObject): boolean {
  const ref = gs.spec.sourceRef;
  const namespace = ref.namespace ?? gs.metadata.namespace;
  return ref.name === repo.metadata.name && namespace === repo.metadata.namespace;
}

/** True when `other` lists `gs` in its dependsOn. */
function dependsOn(other: GitSyncObject, gs: GitSyncObject): boolean {
  return (other.spec.dependsOn ?? []).some(
    (d) =>
      d.name === gs.metadata.name &&
      (d.namespace ?? other.metadata.namespace) === gs.metadata.namespace,
  );
}

/** Our own status writes come back as updates; only spec or annotation changes need a pass. */
function specOrAnnotationsChanged(gs: GitSyncObject, old: GitSyncObject): boolean {
  return (
    old.metadata.generation !== gs.metadata.generation ||
    canonicalJson(old.metadata.annotations ?? {}) !== canonicalJson(gs.metadata.annotations ?? {})
  );
}

function conditionsChanged(gs: GitSyncObject, old: GitSyncObject): boolean {
  return canonicalJson(old.status?.conditions ?? []) !== canonicalJson(gs.status?.conditions ?? []);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
