// GitRepository and GitSync objects for the GitOps tests: create, read, patch, wait on conditions.
import { createHmac } from 'node:crypto';

import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

import type {
  GitRepository,
  GitRepositorySpec,
  GitSync,
  GitSyncSpec,
} from '../../src/api/gitops.js';
import { rawRequest, resourcePath } from '../../src/kube/raw.js';
import { waitFor } from './wait.js';

const apiVersion = 'ramp.dev/v1alpha1';

/** Client of the GitOps kinds in one namespace. */
export function gitopsClient(kc: KubeConfig, namespace: string) {
  const path = (plural: string, name?: string) =>
    resourcePath({ apiVersion, plural, namespace, name });
  const merge = 'application/merge-patch+json';
  return {
    createRepository: (name: string, spec: Partial<GitRepositorySpec> & { url: string }) =>
      rawRequest<GitRepository>(kc, {
        method: 'POST',
        path: path('gitrepositories'),
        body: { apiVersion, kind: 'GitRepository', metadata: { name, namespace }, spec },
      }),
    createSync: (
      name: string,
      spec: Omit<Partial<GitSyncSpec>, 'sourceRef'> & { sourceRef: { name: string } },
    ) =>
      rawRequest<GitSync>(kc, {
        method: 'POST',
        path: path('gitsyncs'),
        body: { apiVersion, kind: 'GitSync', metadata: { name, namespace }, spec },
      }),
    repository: (name: string) =>
      rawRequest<GitRepository>(kc, { method: 'GET', path: path('gitrepositories', name) }),
    sync: (name: string) =>
      rawRequest<GitSync>(kc, { method: 'GET', path: path('gitsyncs', name) }),
    patchSync: (name: string, patch: unknown) =>
      rawRequest<GitSync>(kc, {
        method: 'PATCH',
        path: path('gitsyncs', name),
        body: patch,
        contentType: merge,
      }),
    patchRepository: (name: string, patch: unknown) =>
      rawRequest<GitRepository>(kc, {
        method: 'PATCH',
        path: path('gitrepositories', name),
        body: patch,
        contentType: merge,
      }),
  };
}

/** The condition of a type on a GitOps object. */
export function condition(
  obj: {
    status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
  },
  type: string,
) {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the GitSync's condition matches. */
export async function waitForSyncCondition(
  client: ReturnType<typeof gitopsClient>,
  name: string,
  want: { type: string; status?: string; reason?: string; message?: RegExp },
  timeoutMs = 60_000,
): Promise<GitSync> {
  let last: GitSync | undefined;
  await waitFor(
    `GitSync ${name} ${JSON.stringify({ ...want, message: want.message?.source })} (last: ${JSON.stringify(last?.status?.conditions)})`,
    async () => {
      last = await client.sync(name);
      const c = condition(last, want.type);
      return (
        !!c &&
        (want.status === undefined || c.status === want.status) &&
        (want.reason === undefined || c.reason === want.reason) &&
        (want.message === undefined || want.message.test(c.message))
      );
    },
    { timeoutMs },
  ).catch((err: unknown) => {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}; last conditions: ${JSON.stringify(last?.status?.conditions)}`,
    );
  });
  return last!;
}

/** A Deployment manifest (YAML) whose pods kwok makes Ready. */
export function deploymentYaml(
  name: string,
  opts: {
    image?: string;
    replicas?: number;
    nodeSelector?: Record<string, string>;
    namespace?: string;
  } = {},
): string {
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      labels: { app: name },
    },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: opts.image ?? 'registry.example/app:v1' }],
          ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
        },
      },
    },
  });
}

/** A ConfigMap manifest (YAML). */
export function configMapYaml(name: string, data: Record<string, string>): string {
  return stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
}

/** GitHub's X-Hub-Signature-256 header value for a body. */
export function githubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The webhook receiver's port, from the controller's log line. */
export function webhookPort(logs: string): number | undefined {
  for (const line of logs.split('\n')) {
    if (!line.includes('git webhooks on')) continue;
    const port = (JSON.parse(line) as { port?: number }).port;
    if (port) return port;
  }
  return undefined;
}
