// Informers for the kinds the Rollout controller watches, cluster-wide or in one namespace.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Ingress,
  type V1ReplicaSet,
  type V1Service,
} from '@kubernetes/client-node';

import type { Rollout } from '../api/rollout.js';
import type { Logger } from '../observability/logger.js';
import {
  Informer,
  type InformerOptions,
  defaultInformerOptions,
  type ListResult,
} from './informer.js';
import { resourcePath } from './raw.js';

/** The informers of the Rollout controller. */
export interface RolloutInformers {
  readonly rollouts: Informer<Rollout & KubernetesObject>;
  readonly replicaSets: Informer<V1ReplicaSet>;
  readonly services: Informer<V1Service>;
  readonly ingresses: Informer<V1Ingress>;
}

/** Builds (not starts) the informers; `namespace` limits them to one namespace. */
export function rolloutInformers(
  kc: KubeConfig,
  log: Logger,
  namespace?: string,
  opts: InformerOptions = defaultInformerOptions,
): RolloutInformers {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const path = (apiVersion: string, plural: string): string =>
    resourcePath({ apiVersion, plural, namespace });
  const rolloutGroup = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' };
  const listRollouts = async (): Promise<ListResult<Rollout & KubernetesObject>> =>
    (await (namespace
      ? custom.listNamespacedCustomObject({ ...rolloutGroup, namespace })
      : custom.listClusterCustomObject(rolloutGroup))) as ListResult<Rollout & KubernetesObject>;
  return {
    rollouts: new Informer(
      kc,
      { name: 'rollouts', path: path('argoproj.io/v1alpha1', 'rollouts'), list: listRollouts },
      log,
      opts,
    ),
    replicaSets: new Informer<V1ReplicaSet>(
      kc,
      {
        name: 'replicasets',
        path: path('apps/v1', 'replicasets'),
        list: () =>
          namespace
            ? apps.listNamespacedReplicaSet({ namespace })
            : apps.listReplicaSetForAllNamespaces(),
      },
      log,
      opts,
    ),
    services: new Informer<V1Service>(
      kc,
      {
        name: 'services',
        path: path('v1', 'services'),
        list: () =>
          namespace
            ? core.listNamespacedService({ namespace })
            : core.listServiceForAllNamespaces(),
      },
      log,
      opts,
    ),
    ingresses: new Informer<V1Ingress>(
      kc,
      {
        name: 'ingresses',
        path: path('networking.k8s.io/v1', 'ingresses'),
        list: () =>
          namespace ? net.listNamespacedIngress({ namespace }) : net.listIngressForAllNamespaces(),
      },
      log,
      opts,
    ),
  };
}
