import {
  ApiextensionsV1Api,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';

import { rawRequest, resourcePath } from './raw.js';

/** ramp's field manager for server-side apply. */
export const fieldManager = 'ramp';

/** Server-side applies one object as ramp (forcing ownership of the fields it sets) and returns the result. */
export async function applyObject<T extends KubernetesObject>(
  kc: KubeConfig,
  obj: T,
  plural: string,
): Promise<T> {
  const path = resourcePath({
    apiVersion: obj.apiVersion ?? '',
    plural,
    namespace: obj.metadata?.namespace,
    name: obj.metadata?.name,
  });
  return rawRequest<T>(kc, {
    method: 'PATCH',
    path: `${path}?fieldManager=${fieldManager}&force=true`,
    body: obj,
    contentType: 'application/apply-patch+yaml',
  });
}

/**
 * Applies CRDs and waits until each is Established, so objects of their kinds can be created at
 * once (the API server answers 404 for a kind until then).
 */
export async function installCrds(
  kc: KubeConfig,
  crds: readonly KubernetesObject[],
  timeoutMs = 60_000,
): Promise<void> {
  const apiext = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of crds) await applyObject(kc, crd, 'customresourcedefinitions');
  const deadline = Date.now() + timeoutMs;
  const established = async (name: string): Promise<boolean> => {
    const current = await apiext.readCustomResourceDefinition({ name });
    return (current.status?.conditions ?? []).some(
      (c) => c.type === 'Established' && c.status === 'True',
    );
  };
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    while (!(await established(name))) {
      if (Date.now() > deadline)
        throw new Error(`CRD ${name} not Established after ${timeoutMs / 1000}s`);
      await delay(100);
    }
  }
}
