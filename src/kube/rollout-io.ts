// Writes of the Rollout controller: ReplicaSets, Service selectors, Ingresses, status and Events.
// Merge patches go through rawRequest so the body reaches the server exactly as built.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import { KubeRequestError, rawRequest, resourcePath } from './raw.js';

const merge = 'application/merge-patch+json';

/** Creates an object; one that already exists (a stale cache made us create it twice) is fine. */
export async function createIfAbsent(
  kc: KubeConfig,
  plural: string,
  obj: KubernetesObject,
): Promise<void> {
  const path = resourcePath({
    apiVersion: obj.apiVersion ?? '',
    plural,
    namespace: obj.metadata?.namespace,
  });
  try {
    await rawRequest(kc, { method: 'POST', path, body: obj });
  } catch (err) {
    if (!isConflictError(err)) throw err;
  }
}

/** Applies a JSON merge patch to an object (or its status with `subresource: 'status'`). */
export async function mergePatch<T = unknown>(
  kc: KubeConfig,
  ref: {
    apiVersion: string;
    plural: string;
    namespace: string;
    name: string;
    subresource?: string;
  },
  patch: unknown,
): Promise<T> {
  const path = resourcePath(ref) + (ref.subresource ? `/${ref.subresource}` : '');
  return rawRequest<T>(kc, { method: 'PATCH', path, body: patch, contentType: merge });
}

/** Deletes an object; one already gone is fine. */
export async function deleteIfPresent(
  kc: KubeConfig,
  ref: { apiVersion: string; plural: string; namespace: string; name: string },
): Promise<void> {
  try {
    await rawRequest(kc, { method: 'DELETE', path: resourcePath(ref) });
  } catch (err) {
    if (!isNotFoundError(err)) throw err;
  }
}

/** Records a core/v1 Event about an object, as `kubectl describe` and Argo's tooling read them. */
export async function recordEvent(
  kc: KubeConfig,
  about: {
    apiVersion: string;
    kind: string;
    namespace: string;
    name: string;
    uid?: string | undefined;
  },
  event: {
    type: 'Normal' | 'Warning';
    reason: string;
    message: string;
    /** The reporting component; Argo's name for Rollout events. */
    component?: string;
  },
): Promise<void> {
  const now = new Date().toISOString();
  await rawRequest(kc, {
    method: 'POST',
    path: resourcePath({ apiVersion: 'v1', plural: 'events', namespace: about.namespace }),
    body: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${about.name}.`, namespace: about.namespace },
      involvedObject: {
        apiVersion: about.apiVersion,
        kind: about.kind,
        namespace: about.namespace,
        name: about.name,
        uid: about.uid,
      },
      type: event.type,
      reason: event.reason,
      message: event.message,
      source: { component: event.component ?? 'rollouts-controller' },
      reportingComponent: 'ramp',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  });
}

/** True for a 409 Conflict (the object changed since it was read). */
export function isConflictError(err: unknown): boolean {
  return err instanceof KubeRequestError && err.statusCode === 409;
}

/** True for a 404 Not Found. */
export function isNotFoundError(err: unknown): boolean {
  return err instanceof KubeRequestError && err.statusCode === 404;
}
