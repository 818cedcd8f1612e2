// A cache of one custom resource (Argo's analysis kinds, ramp's GitOps kinds), listed and
// watched as raw JSON so no field is lost to a typed model.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import type { Logger } from '../observability/logger.js';
import { Informer } from './informer.js';
import { rawRequest, resourcePath } from './raw.js';

/** An informer of `plural` in `apiVersion`, in one namespace or all. */
export function customResourceInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  log: Logger,
  resource: { apiVersion: string; plural: string },
  namespace: string | undefined,
): Informer<T> {
  const path = resourcePath({ ...resource, namespace });
  return new Informer<T>(
    kc,
    {
      name: resource.plural,
      path,
      list: () => rawRequest<{ items: T[] }>(kc, { method: 'GET', path }),
    },
    log,
  );
}
