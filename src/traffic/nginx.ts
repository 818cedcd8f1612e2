// NGINX Ingress: a canary Ingress cloned from the stable one, its rules pointed at the canary
// Service, with the `canary` and `canary-weight` annotations NGINX reads. The builder is pure;
// NginxRouter only reads the informer cache and writes through kube/.
import type { KubeConfig, V1Ingress, V1IngressRule } from '@kubernetes/client-node';

import type { Rollout } from '../api/rollout.js';
import type { Informer } from '../kube/informer.js';
import { createIfAbsent, mergePatch } from '../kube/rollout-io.js';
import type { RouteHost } from '../decide/managed-routes.js';
import { RoutingError, type TrafficRouter, type WeightTarget } from './router.js';

/** NGINX's own annotation prefix, used unless the Rollout names another. */
export const defaultNginxPrefix = 'nginx.ingress.kubernetes.io';

type NginxConfig = NonNullable<
  NonNullable<NonNullable<Rollout['spec']['strategy']>['canary']>['trafficRouting']
>['nginx'];

/** The stable Ingresses a Rollout routes through. */
export function stableIngresses(rollout: Rollout): string[] {
  const nginx = rollout.spec.strategy?.canary?.trafficRouting?.nginx;
  return [
    ...(nginx?.stableIngress ? [nginx.stableIngress] : []),
    ...(nginx?.stableIngresses ?? []),
  ];
}

/** Name of the canary Ingress ramp manages for one stable Ingress (Argo's naming). */
export function canaryIngressName(rollout: Rollout, stableIngress: string): string {
  return `${rollout.metadata.name}-${stableIngress}-canary`.slice(0, 253);
}

/** The annotations of the canary Ingress at a weight. */
export function canaryAnnotations(nginx: NginxConfig, weight: number): Record<string, string> {
  const prefix = nginx?.annotationPrefix ?? defaultNginxPrefix;
  const additional = Object.fromEntries(
    Object.entries(nginx?.additionalIngressAnnotations ?? {}).map(([k, v]) => [
      `${prefix}/${k}`,
      v,
    ]),
  );
  return {
    ...(nginx?.canaryIngressAnnotations ?? {}),
    ...additional,
    [`${prefix}/canary`]: 'true',
    [`${prefix}/canary-weight`]: String(weight),
  };
}

/**
 * The canary Ingress: the stable Ingress's rules that send traffic to the stable Service, sent to
 * the canary Service instead. Rules for other Services are left out: NGINX would otherwise split
 * them too.
 */
export function desiredCanaryIngress(
  rollout: Rollout,
  stable: V1Ingress,
  weight: number,
): V1Ingress {
  const { stableService, canaryService, nginx } = routingOf(rollout);
  const stableName = stable.metadata?.name ?? '';
  const rules = (stable.spec?.rules ?? [])
    .map((rule) => retarget(rule, stableService, canaryService))
    .filter((rule): rule is V1IngressRule => rule !== undefined);
  if (rules.length === 0) {
    throw new RoutingError(
      `Ingress "${stableName}" has no rule with a backend Service "${stableService}" (the stableService)`,
    );
  }
  const className = stable.spec?.ingressClassName;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: canaryIngressName(rollout, stableName),
      namespace: rollout.metadata.namespace ?? '',
      annotations: canaryAnnotations(nginx, weight),
      labels: { 'app.kubernetes.io/managed-by': 'ramp' },
      ownerReferences: [ownerReference(rollout)],
    },
    spec: { ...(className ? { ingressClassName: className } : {}), rules },
  };
}

function routingOf(rollout: Rollout): {
  stableService: string;
  canaryService: string;
  nginx: NginxConfig;
} {
  const canary = rollout.spec.strategy?.canary;
  return {
    stableService: canary?.stableService ?? '',
    canaryService: canary?.canaryService ?? '',
    nginx: canary?.trafficRouting?.nginx,
  };
}

/** The owner reference that lets garbage collection remove what ramp made for a Rollout. */
export function ownerReference(rollout: Rollout): {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
} {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    name: rollout.metadata.name,
    uid: rollout.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

function retarget(rule: V1IngressRule, from: string, to: string): V1IngressRule | undefined {
  const paths = (rule.http?.paths ?? [])
    .filter((p) => p.backend.service?.name === from)
    .map((p) => ({ ...p, backend: { ...p.backend, service: { ...p.backend.service, name: to } } }));
  if (paths.length === 0) return undefined;
  return { ...rule, http: { paths } };
}

/** The NGINX router over an Ingress informer. */
export class NginxRouter implements TrafficRouter {
  readonly name = 'nginx';

  constructor(
    private readonly kc: KubeConfig,
    private readonly ingresses: Informer<V1Ingress>,
  ) {}

  readWeight(rollout: Rollout): Promise<number | undefined> {
    const prefix =
      rollout.spec.strategy?.canary?.trafficRouting?.nginx?.annotationPrefix ?? defaultNginxPrefix;
    const weights = stableIngresses(rollout).map((stable) => {
      const canary = this.ingresses.get(
        rollout.metadata.namespace,
        canaryIngressName(rollout, stable),
      );
      const value = canary?.metadata?.annotations?.[`${prefix}/canary-weight`];
      return value === undefined ? undefined : Number(value);
    });
    // In place only when every canary Ingress agrees.
    return Promise.resolve(weights.every((w) => w === weights[0]) ? weights[0] : undefined);
  }

  /** NGINX has no header or mirror routes of ramp's. */
  readRouteHosts(): Promise<RouteHost[]> {
    return Promise.resolve([]);
  }

  /** Nothing to remove: the canary Ingress is owned by the Rollout and garbage-collected. */
  removeRoutes(): Promise<void> {
    return Promise.resolve();
  }

  async setWeight(rollout: Rollout, target: WeightTarget): Promise<void> {
    const namespace = rollout.metadata.namespace ?? '';
    for (const name of stableIngresses(rollout)) {
      const stable = this.ingresses.get(namespace, name);
      if (!stable)
        throw new RoutingError(
          `Ingress "${name}" (trafficRouting.nginx.stableIngress) not found in namespace ${namespace}`,
        );
      const desired = desiredCanaryIngress(rollout, stable, target.weight);
      const current = this.ingresses.get(namespace, desired.metadata?.name ?? '');
      if (!current) await createIfAbsent(this.kc, 'ingresses', desired);
      else
        await mergePatch(
          this.kc,
          {
            apiVersion: 'networking.k8s.io/v1',
            plural: 'ingresses',
            namespace,
            name: desired.metadata?.name ?? '',
          },
          { metadata: { annotations: desired.metadata?.annotations }, spec: desired.spec },
        );
    }
  }
}
