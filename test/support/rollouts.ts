// Helpers for Rollout integration tests: create, read, patch like the Argo plugin does.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

import type { Rollout } from '../../src/api/rollout.js';
import { rawRequest } from '../../src/kube/raw.js';
import { waitFor } from './wait.js';

const group = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' };

/** Rollout access for one namespace. */
export function rolloutClient(kc: KubeConfig, namespace: string) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const path = (name: string, sub = ''): string =>
    `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/rollouts/${name}${sub}`;
  return {
    create: (body: unknown) => custom.createNamespacedCustomObject({ ...group, namespace, body }),
    get: async (name: string) =>
      (await custom.getNamespacedCustomObject({ ...group, namespace, name })) as Rollout,
    patchSpec: (name: string, patch: unknown) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: path(name),
        body: patch,
        contentType: 'application/merge-patch+json',
      }),
    patchStatus: (name: string, patch: unknown) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: path(name, '/status'),
        body: patch,
        contentType: 'application/merge-patch+json',
      }),
    /** `kubectl argo rollouts promote`: clear the pause conditions (and spec.paused). */
    promote: async (name: string) => {
      await rawRequest(kc, {
        method: 'PATCH',
        path: path(name),
        body: { spec: { paused: false } },
        contentType: 'application/merge-patch+json',
      });
      await rawRequest(kc, {
        method: 'PATCH',
        path: path(name, '/status'),
        body: { status: { pauseConditions: null } },
        contentType: 'application/merge-patch+json',
      });
    },
    /** Polls the Rollout until `check` holds; returns the Rollout as last read. */
    waitUntil: async (
      name: string,
      what: string,
      check: (r: Rollout) => boolean,
    ): Promise<Rollout> => {
      let last: Rollout | undefined;
      await waitFor(
        `${name}: ${what}`,
        async () =>
          check(
            (last = (await custom.getNamespacedCustomObject({
              ...group,
              namespace,
              name,
            })) as Rollout),
          ),
        { timeoutMs: 90_000 },
      );
      return last!;
    },
    /** `kubectl argo rollouts abort`. */
    abort: (name: string) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: path(name, '/status'),
        body: { status: { abort: true } },
        contentType: 'application/merge-patch+json',
      }),
    /** `kubectl argo rollouts retry rollout`. */
    retry: (name: string) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: path(name, '/status'),
        body: { status: { abort: false } },
        contentType: 'application/merge-patch+json',
      }),
  };
}

/** A canary Rollout of `image` with the given steps and strategy extras. */
export function canaryRollout(
  name: string,
  image: string,
  steps: unknown[],
  extra: Record<string, unknown> = {},
  replicas = 5,
) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
      strategy: { canary: { steps, ...extra } },
    },
  };
}
