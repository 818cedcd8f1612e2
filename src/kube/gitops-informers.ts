// Caches of the GitOps kinds (GitRepository, GitSync) and the reads and writes their
// controllers make besides server-side apply.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import type { GitRepository, GitSync } from '../api/gitops.js';
import { gitopsApiVersion } from '../api/gitops-conditions.js';
import type { Logger } from '../observability/logger.js';
import { customResourceInformer } from './custom-informer.js';
import type { Informer } from './informer.js';
import { KubeRequestError, rawRequest, resourcePath } from './raw.js';
import { mergePatch } from './rollout-io.js';

/** A GitRepository as cached. */
export type GitRepositoryObject = GitRepository & KubernetesObject;
/** A GitSync as cached. */
export type GitSyncObject = GitSync & KubernetesObject;

/** Plural names of the GitOps kinds. */
export const gitopsPlural = { GitRepository: 'gitrepositories', GitSync: 'gitsyncs' } as const;

/** GitRepositories, in one namespace or all. */
export function gitRepositoryInformer(
  kc: KubeConfig,
  log: Logger,
  namespace: string | undefined,
): Informer<GitRepositoryObject> {
  return customResourceInformer(
    kc,
    log,
    { apiVersion: gitopsApiVersion, plural: gitopsPlural.GitRepository },
    namespace,
  );
}

/** GitSyncs, in one namespace or all. */
export function gitSyncInformer(
  kc: KubeConfig,
  log: Logger,
  namespace: string | undefined,
): Informer<GitSyncObject> {
  return customResourceInformer(
    kc,
    log,
    { apiVersion: gitopsApiVersion, plural: gitopsPlural.GitSync },
    namespace,
  );
}

/** Writes the status subresource of a GitOps object (a merge patch of `status`); returns the new resourceVersion. */
export async function patchGitOpsStatus(
  kc: KubeConfig,
  kind: keyof typeof gitopsPlural,
  obj: { metadata: { namespace: string; name: string } },
  status: unknown,
): Promise<string | undefined> {
  const written = await mergePatch<{ metadata?: { resourceVersion?: string } }>(
    kc,
    {
      apiVersion: gitopsApiVersion,
      plural: gitopsPlural[kind],
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      subresource: 'status',
    },
    { status },
  );
  return written.metadata?.resourceVersion;
}

/** Sets one annotation of a GitOps object (merge patch). */
export async function annotateGitOps(
  kc: KubeConfig,
  kind: keyof typeof gitopsPlural,
  ref: { namespace: string; name: string },
  annotations: Record<string, string>,
): Promise<void> {
  await mergePatch(
    kc,
    { apiVersion: gitopsApiVersion, plural: gitopsPlural[kind], ...ref },
    { metadata: { annotations } },
  );
}

/** The decoded data of a Secret, or undefined when it does not exist. */
export async function readSecretData(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    const secret = await rawRequest<{ data?: Record<string, string> }>(kc, {
      method: 'GET',
      path: resourcePath({ apiVersion: 'v1', plural: 'secrets', namespace, name }),
    });
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
  } catch (err) {
    if (err instanceof KubeRequestError && err.statusCode === 404) return undefined;
    throw err;
  }
}

/** A GitRepository read from the API server, or undefined when it does not exist. */
export async function readGitRepository(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<GitRepositoryObject | undefined> {
  try {
    return await rawRequest<GitRepositoryObject>(kc, {
      method: 'GET',
      path: resourcePath({
        apiVersion: gitopsApiVersion,
        plural: gitopsPlural.GitRepository,
        namespace,
        name,
      }),
    });
  } catch (err) {
    if (err instanceof KubeRequestError && err.statusCode === 404) return undefined;
    throw err;
  }
}
