// Where a running controller says which version it is, so `kubectl ramp version` can show it.
//
// Design: one ConfigMap named `ramp-controller`, server-side applied once at start in the
// namespace the controller watches (`--namespace`), or `default` for a cluster-wide controller.
// A ConfigMap rather than a Lease because nothing renews it: it records the last start, which
// is all a version check needs, and anyone can read it with `kubectl get cm`. Apply makes it an
// upsert, so a restart (or an upgrade) just overwrites it; it is not a liveness signal. The
// plugin looks in the namespace it works in first, then in `default`.
import type { KubeConfig } from '@kubernetes/client-node';

import { applyObject } from './apply.js';
import { KubeRequestError, rawRequest, resourcePath } from './raw.js';

/** Name of the ConfigMap a controller publishes itself in. */
export const controllerInfoName = 'ramp-controller';

/** Where the ConfigMap lives for a controller watching `watched` (undefined: all namespaces). */
export function controllerInfoNamespace(watched: string | undefined): string {
  return watched ?? 'default';
}

/** What a controller publishes about itself. */
export interface ControllerInfo {
  readonly version: string;
  /** RFC 3339 time the controller started. */
  readonly startedAt: string;
  /** The namespace it watches; empty for all namespaces. */
  readonly watchNamespace: string;
  /** Its --instance-id; empty when it has none. */
  readonly instanceId: string;
  /** Host name of the process (the pod's name in a cluster). */
  readonly host: string;
}

/** Writes (creates or replaces) the controller's ConfigMap. */
export async function publishControllerInfo(
  kc: KubeConfig,
  namespace: string,
  info: ControllerInfo,
): Promise<void> {
  await applyObject(
    kc,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: controllerInfoName,
        namespace,
        labels: { 'app.kubernetes.io/name': 'ramp', 'app.kubernetes.io/component': 'controller' },
      },
      data: { ...info },
    } as { apiVersion: string; kind: string; metadata: { name: string; namespace: string } },
    'configmaps',
  );
}

/** The controller's ConfigMap in one namespace, or undefined when there is none. */
export async function readControllerInfo(
  kc: KubeConfig,
  namespace: string,
): Promise<ControllerInfo | undefined> {
  try {
    const cm = await rawRequest<{ data?: Partial<Record<keyof ControllerInfo, string>> }>(kc, {
      method: 'GET',
      path: resourcePath({
        apiVersion: 'v1',
        plural: 'configmaps',
        namespace,
        name: controllerInfoName,
      }),
    });
    const unknown = {
      version: 'unknown',
      startedAt: '',
      watchNamespace: '',
      instanceId: '',
      host: '',
    };
    return { ...unknown, ...cm.data };
  } catch (err) {
    if (err instanceof KubeRequestError && err.statusCode === 404) return undefined;
    throw err;
  }
}
