// Builds and starts the GitOps side of `ramp controller`: the GitRepository and GitSync
// controllers (on the leader) and the webhook receiver (on every replica: it only annotates the
// GitRepository, which the leader then reconciles).
import { join } from 'node:path';

import type { KubeConfig } from '@kubernetes/client-node';

import { GitOpsAnnotation } from '../api/gitops-conditions.js';
import { GitRepositoryController } from '../controllers/gitrepository/controller.js';
import { GitSyncController } from '../controllers/gitsync/controller.js';
import { GitClient } from '../gitops/git/index.js';
import { findKustomize } from '../gitops/render/index.js';
import { startWebhookReceiver } from '../gitops/webhook/index.js';
import { annotateGitOps, readGitRepository, readSecretData } from '../kube/gitops-informers.js';
import type { Logger } from '../observability/logger.js';
import type { ControllerMetrics } from '../observability/metrics.js';

/** The GitOps flags of `ramp controller`. */
export interface GitOpsOptions {
  readonly namespace?: string;
  readonly workers: number;
  /** --no-gitops turns the GitOps controllers and the receiver off. */
  readonly gitops: boolean;
  readonly gitCacheDir?: string;
  /** A kustomize binary (`kustomize build`). */
  readonly kustomize?: string;
  /** A kubectl binary (`kubectl kustomize`) when no kustomize is given or on PATH. */
  readonly kubectl?: string;
  /** The webhook receiver's port (0: a free one). */
  readonly webhookPort: number;
  readonly webhookHost?: string;
  /** --no-cross-namespace-refs (false) refuses GitSync references to other namespaces. */
  readonly crossNamespaceRefs?: boolean;
  /** The service account GitSyncs without serviceAccountName apply as. */
  readonly defaultServiceAccount?: string;
}

/** Running GitOps controllers. */
export interface GitOpsControllers {
  stop(): Promise<void>;
}

/** Starts the GitRepository and GitSync controllers (nothing with --no-gitops). */
export async function startGitOpsControllers(
  kc: KubeConfig,
  log: Logger,
  opts: GitOpsOptions & { cacheDir: string; metrics?: ControllerMetrics | undefined },
): Promise<GitOpsControllers> {
  if (!opts.gitops) return { stop: async () => {} };
  const kustomize = await findKustomize({
    ...(opts.kustomize ? { kustomizeBinary: opts.kustomize } : {}),
    ...(opts.kubectl ? { kubectlBinary: opts.kubectl } : {}),
  });
  // Plain YAML needs no kustomize: without one, only kustomizations fail (each GitSync says so).
  if (!kustomize)
    log.warn(
      'no kustomize found (--kustomize, --kubectl, or kustomize/kubectl on PATH): GitSyncs of kustomizations will report BuildFailed',
    );
  const git = new GitClient({ cacheDir: opts.gitCacheDir ?? join(opts.cacheDir, 'git') });
  const repositories = new GitRepositoryController(kc, log, {
    namespace: opts.namespace,
    workers: opts.workers,
    git,
    metrics: opts.metrics,
  });
  const syncs = new GitSyncController(kc, log, {
    namespace: opts.namespace,
    workers: opts.workers,
    repositories,
    kustomize: kustomize ?? { command: 'kustomize', args: ['build'] },
    noCrossNamespaceRefs: opts.crossNamespaceRefs === false,
    defaultServiceAccount: opts.defaultServiceAccount,
    metrics: opts.metrics,
  });
  await repositories.start();
  await syncs.start();
  log.info({ kustomize: kustomize?.command }, 'gitops controllers started');
  return {
    stop: async () => {
      await syncs.stop();
      await repositories.stop();
    },
  };
}

/** Starts the webhook receiver (nothing with --no-gitops): POST /hooks/NAMESPACE/NAME asks for a fetch now. */
export async function startGitOpsWebhook(
  kc: KubeConfig,
  log: Logger,
  opts: GitOpsOptions,
): Promise<{ port: number; stop(): Promise<void> }> {
  if (!opts.gitops) return { port: 0, stop: async () => {} };
  const receiver = await startWebhookReceiver({
    host: opts.webhookHost ?? '0.0.0.0',
    port: opts.webhookPort,
    log,
    targets: {
      secretFor: async (namespace, name) => {
        if (opts.namespace && namespace !== opts.namespace) return undefined;
        const repo = await readGitRepository(kc, namespace, name);
        if (!repo) return undefined;
        const ref = repo.spec.webhookSecretRef;
        if (!ref) return null;
        return (await readSecretData(kc, namespace, ref.name))?.token ?? null;
      },
      trigger: (namespace, name) =>
        annotateGitOps(
          kc,
          'GitRepository',
          { namespace, name },
          { [GitOpsAnnotation.reconcileRequestedAt]: new Date().toISOString() },
        ),
    },
  });
  log.info({ port: receiver.port }, 'git webhooks on POST /hooks/NAMESPACE/NAME');
  return receiver;
}
