// Routers that keep the canary's share as weights inside one routing object of their mesh or
// gateway: SMI TrafficSplit, Traefik TraefikService, Istio VirtualService, Gateway API HTTPRoute.
// Each router is a pure description (which object, how to read and write its weights); the one
// adapter below does the reads and writes.
import type { Rollout } from '../api/rollout.js';
import { gatewayApiPlugin } from '../decide/validate-rollout.js';
import type { WeightTarget } from './router.js';

/** Where a routing object lives. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

type Obj = Record<string, unknown> & { spec?: Record<string, unknown> };

/** One kind of weighted routing object, as pure functions. */
export interface WeightedKind {
  readonly name: string;
  /** The objects of this kind a Rollout routes through. */
  refs(rollout: Rollout): ObjectRef[];
  /** The canary weight the object holds, or undefined when it holds none ramp recognises. */
  read(obj: Obj, rollout: Rollout): number | undefined;
  /** The object's new spec with the target weight (undefined: leave the object as it is). */
  write(obj: Obj, rollout: Rollout, target: WeightTarget): Record<string, unknown> | undefined;
  /** A body to create when the object does not exist (only kinds ramp owns, like TrafficSplit). */
  create?(rollout: Rollout, target: WeightTarget): Record<string, unknown>;
}

function canaryOf(rollout: Rollout) {
  const canary = rollout.spec.strategy?.canary;
  return {
    canaryService: canary?.canaryService ?? '',
    stableService: canary?.stableService ?? '',
    routing: canary?.trafficRouting ?? {},
  };
}

const ns = (rollout: Rollout): string => rollout.metadata.namespace ?? '';

/** SMI TrafficSplit: ramp creates and owns it; backends are the canary and stable Services. */
export const smiKind: WeightedKind = {
  name: 'smi',
  refs: (rollout) => [
    {
      apiVersion: 'split.smi-spec.io/v1alpha2',
      plural: 'trafficsplits',
      kind: 'TrafficSplit',
      namespace: ns(rollout),
      name: canaryOf(rollout).routing.smi?.trafficSplitName ?? rollout.metadata.name,
    },
  ],
  read: (obj, rollout) =>
    backendWeight(obj.spec?.backends, canaryOf(rollout).canaryService, 'service'),
  write: (_obj, rollout, target) => smiSpec(rollout, target),
  create: (rollout, target) => ({
    apiVersion: 'split.smi-spec.io/v1alpha2',
    kind: 'TrafficSplit',
    metadata: { name: smiKind.refs(rollout)[0]?.name, namespace: ns(rollout) },
    spec: smiSpec(rollout, target),
  }),
};

function smiSpec(rollout: Rollout, target: WeightTarget): Record<string, unknown> {
  const { canaryService, stableService, routing } = canaryOf(rollout);
  return {
    service: routing.smi?.rootService ?? stableService,
    backends: [
      { service: canaryService, weight: target.weight },
      { service: stableService, weight: 100 - target.weight },
    ],
  };
}

function backendWeight(list: unknown, name: string, key: string): number | undefined {
  const match = (Array.isArray(list) ? (list as Record<string, unknown>[]) : []).find(
    (b) => b[key] === name,
  );
  return typeof match?.weight === 'number' ? match.weight : undefined;
}

/** Re-weights entries of a list whose `key` names the canary or the stable Service. */
function reweigh(list: unknown, key: string, rollout: Rollout, weight: number): unknown[] {
  const { canaryService, stableService } = canaryOf(rollout);
  return (Array.isArray(list) ? (list as Record<string, unknown>[]) : []).map((entry) => {
    if (entry[key] === canaryService) return { ...entry, weight };
    if (entry[key] === stableService) return { ...entry, weight: 100 - weight };
    return entry;
  });
}

/** Traefik TraefikService (weighted round robin): the person creates it; ramp sets the weights. */
export const traefikKind: WeightedKind = {
  name: 'traefik',
  refs: (rollout) => [
    {
      apiVersion: 'traefik.io/v1alpha1',
      plural: 'traefikservices',
      kind: 'TraefikService',
      namespace: ns(rollout),
      name: canaryOf(rollout).routing.traefik?.weightedTraefikServiceName ?? '',
    },
  ],
  read: (obj, rollout) =>
    backendWeight(weighted(obj).services, canaryOf(rollout).canaryService, 'name'),
  write: (obj, rollout, target) => ({
    ...obj.spec,
    weighted: {
      ...weighted(obj),
      services: reweigh(weighted(obj).services, 'name', rollout, target.weight),
    },
  }),
};

function weighted(obj: Obj): Record<string, unknown> {
  return (obj.spec?.weighted ?? {}) as Record<string, unknown>;
}

/** Gateway API HTTPRoute, configured the way Argo's gatewayAPI plugin is. */
export const gatewayKind: WeightedKind = {
  name: 'gatewayAPI',
  refs: (rollout) => {
    const config = (
      canaryOf(rollout).routing.plugins as
        | Record<
            string,
            { httpRoute?: string; httpRoutes?: { name: string }[]; namespace?: string }
          >
        | undefined
    )?.[gatewayApiPlugin];
    const names = [
      ...(config?.httpRoute ? [config.httpRoute] : []),
      ...(config?.httpRoutes ?? []).map((r) => r.name),
    ];
    return names.map((name) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      plural: 'httproutes',
      kind: 'HTTPRoute',
      namespace: config?.namespace ?? ns(rollout),
      name,
    }));
  },
  read: (obj, rollout) => {
    const rules = (obj.spec?.rules ?? []) as { backendRefs?: unknown }[];
    return sameForAll(
      rules.map((r) => backendWeight(r.backendRefs, canaryOf(rollout).canaryService, 'name')),
    );
  },
  write: (obj, rollout, target) => ({
    ...obj.spec,
    rules: ((obj.spec?.rules ?? []) as Record<string, unknown>[]).map((rule) => ({
      ...rule,
      backendRefs: reweigh(rule.backendRefs, 'name', rollout, target.weight),
    })),
  }),
};

function sameForAll(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length > 0 && known.every((v) => v === known[0]) ? known[0] : undefined;
}

type IstioRoute = {
  name?: string;
  route?: { destination?: { host?: string; subset?: string }; weight?: number }[];
};

/** Istio VirtualService: weights of the named HTTP routes, by host (Services) or by subset. */
export const istioKind: WeightedKind = {
  name: 'istio',
  refs: (rollout) => {
    const istio = canaryOf(rollout).routing.istio;
    const services = [
      ...(istio?.virtualService ? [istio.virtualService] : []),
      ...(istio?.virtualServices ?? []),
    ];
    return services.map((vs) => ({
      apiVersion: 'networking.istio.io/v1beta1',
      plural: 'virtualservices',
      kind: 'VirtualService',
      namespace: ns(rollout),
      name: vs.name,
    }));
  },
  read: (obj, rollout) => {
    const routes = managedIstioRoutes(obj, rollout);
    return sameForAll(
      routes.map((r) => (r.route ?? []).find((d) => isCanary(d.destination, rollout))?.weight),
    );
  },
  write: (obj, rollout, target) => {
    const managed = new Set(managedIstioRoutes(obj, rollout));
    const http = ((obj.spec?.http ?? []) as IstioRoute[]).map((route) =>
      managed.has(route)
        ? {
            ...route,
            route: (route.route ?? []).map((d) => ({
              ...d,
              weight: isCanary(d.destination, rollout)
                ? target.weight
                : isStable(d.destination, rollout)
                  ? 100 - target.weight
                  : d.weight,
            })),
          }
        : route,
    );
    return { ...obj.spec, http };
  },
};

function managedIstioRoutes(obj: Obj, rollout: Rollout): IstioRoute[] {
  const vsName = (obj.metadata as { name?: string } | undefined)?.name;
  const names = istioRouteNames(rollout, vsName);
  const http = (obj.spec?.http ?? []) as IstioRoute[];
  // No route names given: a VirtualService with a single HTTP route is meant.
  if (names.length === 0) return http.length === 1 ? http : [];
  return http.filter((r) => r.name !== undefined && names.includes(r.name));
}

function istioRouteNames(rollout: Rollout, vsName: string | undefined): string[] {
  const istio = canaryOf(rollout).routing.istio;
  const all = [
    ...(istio?.virtualService ? [istio.virtualService] : []),
    ...(istio?.virtualServices ?? []),
  ];
  return all.find((v) => v.name === vsName)?.routes ?? [];
}

function isCanary(d: { host?: string; subset?: string } | undefined, rollout: Rollout): boolean {
  const rule = canaryOf(rollout).routing.istio?.destinationRule;
  return rule ? d?.subset === rule.canarySubsetName : d?.host === canaryOf(rollout).canaryService;
}

function isStable(d: { host?: string; subset?: string } | undefined, rollout: Rollout): boolean {
  const rule = canaryOf(rollout).routing.istio?.destinationRule;
  return rule ? d?.subset === rule.stableSubsetName : d?.host === canaryOf(rollout).stableService;
}

/** The weighted kinds a Rollout's trafficRouting names. */
export function weightedKindsFor(rollout: Rollout): WeightedKind[] {
  const routing = canaryOf(rollout).routing;
  const plugins = routing.plugins ?? {};
  return [
    ...(routing.smi ? [smiKind] : []),
    ...(routing.traefik ? [traefikKind] : []),
    ...(routing.istio ? [istioKind] : []),
    ...(plugins[gatewayApiPlugin] ? [gatewayKind] : []),
  ];
}
