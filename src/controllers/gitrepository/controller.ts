// The GitRepository controller: each pass asks the remote which commit the ref points at
// (`git ls-remote`), fetches it shallowly only when that commit is not already checked out, and
// records the artifact (revision + content digest) in status. GitSyncs read the checkout from the
// same process's cache, keyed by commit.
import type { KubeConfig } from '@kubernetes/client-node';

import type { GitOpsCondition, GitRepositorySpec } from '../../api/gitops.js';
import { GitOpsAnnotation, GitOpsReason as R } from '../../api/gitops-conditions.js';
import { goDurationMs } from '../../decide/durations.js';
import { authFromSecret, type GitAuth } from '../../decide/gitops/git-auth.js';
import { resolveRef } from '../../decide/gitops/ref.js';
import { gitRepositorySpecProblem } from '../../decide/gitops/spec-checks.js';
import { withJitter } from '../../decide/gitops/requeue.js';
import { repositoryStatus, type FetchOutcome } from '../../decide/gitops/repository-status.js';
import { canonicalJson } from '../../decide/hash.js';
import { statusMergePatch } from '../../decide/status-patch.js';
import { GitError, type Checkout, type GitClient } from '../../gitops/git/index.js';
import {
  gitRepositoryInformer,
  patchGitOpsStatus,
  readSecretData,
  type GitRepositoryObject,
} from '../../kube/gitops-informers.js';
import { keyOf, type Informer } from '../../kube/informer.js';
import { recordEvent } from '../../kube/rollout-io.js';
import {
  defaultRateLimit,
  runWorkers,
  WorkQueue,
  type ReconcileResult,
} from '../../kube/workqueue.js';
import type { Logger } from '../../observability/logger.js';
import type { ControllerMetrics } from '../../observability/metrics.js';
import { forgetDeletedGitOpsObjects, reportGitOpsObject } from '../gitops-metrics.js';
import { timedGitOpsPass } from '../timed-pass.js';

/** How the GitRepository controller runs. */
export interface GitRepositoryControllerOptions {
  readonly namespace?: string | undefined;
  readonly workers: number;
  readonly git: GitClient;
  /** gitops_condition, gitops_suspended and the reconcile timing of GitRepositories. */
  readonly metrics?: ControllerMetrics | undefined;
}

const gitErrorReason: Record<string, string> = {
  auth: R.AuthenticationFailed,
  notFound: R.GitOperationFailed,
  timeout: R.GitOperationFailed,
  network: R.GitOperationFailed,
  other: R.GitOperationFailed,
};

/** Reconciles GitRepositories until stopped. */
export class GitRepositoryController {
  private readonly repos: Informer<GitRepositoryObject>;
  private readonly queue = new WorkQueue(defaultRateLimit);
  private running: Promise<void> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
    private readonly opts: GitRepositoryControllerOptions,
  ) {
    this.repos = gitRepositoryInformer(kc, log, opts.namespace);
  }

  /** The GitRepository cache (the GitSync controller and the webhook receiver read it). */
  get cache(): Informer<GitRepositoryObject> {
    return this.repos;
  }

  /** Starts the cache and the workers. */
  async start(): Promise<void> {
    const enqueue = (repo: GitRepositoryObject, old?: GitRepositoryObject): void => {
      // Our own status writes come back as updates: only spec or annotation changes matter.
      if (old && old.metadata.generation === repo.metadata.generation && sameAnnotations(old, repo))
        return;
      this.queue.add(keyOf(repo));
    };
    this.repos.on('add', enqueue);
    this.repos.on('update', enqueue);
    forgetDeletedGitOpsObjects(this.opts.metrics, 'GitRepository', this.repos);
    await this.repos.start();
    this.running = runWorkers(
      this.queue,
      this.opts.workers,
      (key) => timedGitOpsPass('GitRepository', this.opts.metrics, () => this.pass(key)),
      (key, err) =>
        this.log.warn(
          { gitRepository: key, err: err instanceof Error ? err.message : String(err) },
          'git repository reconcile failed; retrying with backoff',
        ),
    );
  }

  /** Stops the workers and the cache. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.running;
    await this.repos.stop();
  }

  /** Asks for a pass now (a GitSync found the checkout missing, e.g. after a restart). */
  requestFetch(namespace: string, name: string): void {
    this.queue.add(`${namespace}/${name}`);
  }

  /** The checkout of the artifact the GitRepository's status names, if it is on disk. */
  async checkoutOf(repo: GitRepositoryObject, sha: string): Promise<Checkout | undefined> {
    return this.opts.git.cached(repo.spec.url, sha);
  }

  private async pass(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const repo = this.repos.get(namespace, name);
    if (!repo || repo.metadata.deletionTimestamp) return;
    if (repo.spec.suspend) {
      this.report(repo, repo.status?.conditions);
      return;
    }
    const requestedAt = repo.metadata.annotations?.[GitOpsAnnotation.reconcileRequestedAt];
    const outcome = await this.fetch(repo);
    const now = new Date();
    const decision = repositoryStatus(repo.status, outcome, {
      now,
      generation: repo.metadata.generation,
      requestedAt,
    });
    const patch = statusMergePatch(repo.status ?? {}, decision.status);
    if (patch) await patchGitOpsStatus(this.kc, 'GitRepository', repo, patch);
    this.report(repo, decision.status.conditions);
    if (decision.event) await this.event(repo, decision.event);
    if (outcome.kind === 'invalid') return;
    return { requeueAfterMs: withJitter(intervalMs(repo.spec), Math.random()) };
  }

  /** The metrics follow the decided status; not for a GitRepository deleted during the pass. */
  private report(repo: GitRepositoryObject, conditions: GitOpsCondition[] | undefined): void {
    const current = this.repos.get(repo.metadata.namespace, repo.metadata.name);
    if (!current || current.metadata.uid !== repo.metadata.uid) return;
    reportGitOpsObject(this.opts.metrics, 'GitRepository', repo, conditions);
  }

  private async fetch(repo: GitRepositoryObject): Promise<FetchOutcome> {
    const invalid = gitRepositorySpecProblem(repo.spec);
    if (invalid) return { kind: 'invalid', message: invalid };
    const auth = await this.auth(repo);
    if ('error' in auth)
      return { kind: 'failed', reason: R.AuthenticationFailed, message: auth.error };
    const timeoutMs = goDurationMs(repo.spec.timeout);
    try {
      const remote = await this.opts.git.lsRemote(repo.spec.url, auth, timeoutMs);
      const resolved = resolveRef(repo.spec.ref, remote);
      if (!resolved.ok) return { kind: 'failed', reason: R.RefNotFound, message: resolved.message };
      const checkout =
        (await this.opts.git.cached(repo.spec.url, resolved.sha)) ??
        (await this.opts.git.checkout(repo.spec.url, auth, resolved, timeoutMs));
      return { kind: 'stored', revision: resolved.revision, digest: checkout.digest };
    } catch (err) {
      if (!(err instanceof GitError)) throw err;
      const reason = gitErrorReason[err.kind] ?? R.GitOperationFailed;
      return { kind: 'failed', reason, message: err.message };
    }
  }

  private async auth(repo: GitRepositoryObject): Promise<GitAuth | { error: string }> {
    const ref = repo.spec.secretRef;
    if (!ref) return { kind: 'none' };
    const data = await readSecretData(this.kc, repo.metadata.namespace, ref.name);
    if (!data) return { error: `secret "${ref.name}" not found` };
    return authFromSecret(repo.spec.url, data);
  }

  private async event(
    repo: GitRepositoryObject,
    event: { type: 'Normal' | 'Warning'; reason: string; message: string },
  ): Promise<void> {
    this.log.info({ gitRepository: keyOf(repo), reason: event.reason }, event.message);
    await recordEvent(
      this.kc,
      {
        apiVersion: repo.apiVersion ?? 'ramp.dev/v1alpha1',
        kind: 'GitRepository',
        namespace: repo.metadata.namespace,
        name: repo.metadata.name,
        uid: repo.metadata.uid,
      },
      { ...event, component: 'ramp-gitops' },
    ).catch((err: unknown) =>
      this.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'event not recorded',
      ),
    );
  }
}

function intervalMs(spec: GitRepositorySpec): number {
  return goDurationMs(spec.interval);
}

function sameAnnotations(a: GitRepositoryObject, b: GitRepositoryObject): boolean {
  return (
    canonicalJson(a.metadata.annotations ?? {}) === canonicalJson(b.metadata.annotations ?? {})
  );
}
