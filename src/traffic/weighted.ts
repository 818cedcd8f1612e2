// Routers that keep the canary's share as weights inside one routing object of their mesh or
// gateway: SMI TrafficSplit, Traefik TraefikService, Istio VirtualService, Gateway API HTTPRoute.
// Each router is a pure description (which object, how to read and write its weights); the one
// adapter below does the reads and writes.
import type { Rollout } from '../api/rollout.js';
import {
  specWithRoutes,
  withoutManaged,
  type RouteHost,
  type RouteHostKind,
} from '../decide/managed-routes.js';
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
  /** Set for kinds whose route list also carries header and mirror routes. */
  readonly routeHost?: RouteHostKind;
}

/** The routing object as a carrier of managed routes. */
export function routeHostOf(kind: WeightedKind, obj: Obj): RouteHost | undefined {
  return kind.routeHost ? { router: kind.routeHost, spec: obj.spec ?? {} } : undefined;
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
  routeHost: 'gatewayAPI',
  read: (obj, rollout) => {
    const rules = withoutManaged(gatewayRules(obj), rollout);
    return sameForAll(
      rules.map((r) => backendWeight(r.backendRefs, canaryOf(rollout).canaryService, 'name')),
    );
  },
  write: (obj, rollout, target) => {
    const rules = withoutManaged(gatewayRules(obj), rollout).map((rule) => ({
      ...rule,
      backendRefs: reweigh(rule.backendRefs, 'name', rollout, target.weight),
    }));
    const host: RouteHost = { router: 'gatewayAPI', spec: { ...obj.spec, rules } };
    return specWithRoutes(host, rollout, target.routes, target.weight);
  },
};

function gatewayRules(obj: Obj): ({ name?: string; backendRefs?: unknown } & Obj)[] {
  return (obj.spec?.rules ?? []) as ({ name?: string; backendRefs?: unknown } & Obj)[];
}

function sameForAll(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length > 0 && known.every((v) => v === known[0]) ? known[0] : undefined;
}

type IstioDestination = { host?: string; subset?: string };
type IstioRoute = Obj & {
  name?: string;
  match?: { port?: number; sniHosts?: string[] }[];
  route?: { destination?: IstioDestination; weight?: number }[];
};
/** The route lists of a VirtualService that can carry weights. */
type IstioList = 'http' | 'tls' | 'tcp';
const istioLists: readonly IstioList[] = ['http', 'tls', 'tcp'];

/** Istio VirtualService: weights of the chosen HTTP, TLS and TCP routes, by host or by subset. */
export const istioKind: WeightedKind = {
  name: 'istio',
  routeHost: 'istio',
  refs: (rollout) =>
    istioServices(rollout).map((vs) => ({
      apiVersion: 'networking.istio.io/v1beta1',
      plural: 'virtualservices',
      kind: 'VirtualService',
      namespace: ns(rollout),
      name: vs.name,
    })),
  read: (obj, rollout) =>
    sameForAll(
      istioLists.flatMap((list) =>
        weightedIstioRoutes(obj, rollout, list).map(
          (r) => (r.route ?? []).find((d) => isCanary(d.destination, rollout))?.weight,
        ),
      ),
    ),
  write: (obj, rollout, target) => {
    const spec: Record<string, unknown> = { ...obj.spec };
    for (const list of istioLists) {
      const chosen = new Set(weightedIstioRoutes(obj, rollout, list));
      if (chosen.size === 0) continue;
      spec[list] = istioList(obj, list).map((r) =>
        chosen.has(r) ? reweighIstio(r, rollout, target.weight) : r,
      );
    }
    return specWithRoutes({ router: 'istio', spec }, rollout, target.routes, target.weight);
  },
};

function istioServices(rollout: Rollout) {
  const istio = canaryOf(rollout).routing.istio;
  return [
    ...(istio?.virtualService ? [istio.virtualService] : []),
    ...(istio?.virtualServices ?? []),
  ];
}

function istioList(obj: Obj, list: IstioList): IstioRoute[] {
  return (obj.spec?.[list] ?? []) as IstioRoute[];
}

function reweighIstio(route: IstioRoute, rollout: Rollout, weight: number): IstioRoute {
  return {
    ...route,
    route: (route.route ?? []).map((d) => {
      if (isCanary(d.destination, rollout)) return { ...d, weight };
      if (isStable(d.destination, rollout)) return { ...d, weight: 100 - weight };
      return d;
    }),
  };
}

/**
 * The routes of one list that carry the canary weight: HTTP routes by name (or the only one when
 * no routes are named at all), TLS routes by port and SNI hosts, TCP routes by port.
 */
function weightedIstioRoutes(obj: Obj, rollout: Rollout, list: IstioList): IstioRoute[] {
  const vsName = (obj.metadata as { name?: string } | undefined)?.name;
  const vs = istioServices(rollout).find((v) => v.name === vsName);
  if (!vs) return [];
  if (list === 'tls')
    return istioList(obj, list).filter((r) => (vs.tlsRoutes ?? []).some((t) => tlsMatches(r, t)));
  if (list === 'tcp')
    return istioList(obj, list).filter((r) =>
      (vs.tcpRoutes ?? []).some((t) => portMatches(r, t.port)),
    );
  return weightedHttpRoutes(withoutManaged(istioList(obj, list), rollout), vs);
}

function weightedHttpRoutes(
  routes: IstioRoute[],
  vs: { routes?: string[]; tlsRoutes?: unknown[]; tcpRoutes?: unknown[] },
): IstioRoute[] {
  const names = vs.routes ?? [];
  if (names.length > 0) return routes.filter((r) => r.name !== undefined && names.includes(r.name));
  const onlyHttp = (vs.tlsRoutes ?? []).length === 0 && (vs.tcpRoutes ?? []).length === 0;
  return onlyHttp && routes.length === 1 ? routes : [];
}

function portMatches(route: IstioRoute, port: number | undefined): boolean {
  return port === undefined || (route.match ?? []).some((m) => m.port === port);
}

function tlsMatches(route: IstioRoute, want: { port?: number; sniHosts?: string[] }): boolean {
  const hosts = [...(want.sniHosts ?? [])].sort().join(',');
  return (route.match ?? []).some(
    (m) =>
      (want.port === undefined || m.port === want.port) &&
      (hosts === '' || [...(m.sniHosts ?? [])].sort().join(',') === hosts),
  );
}

function isCanary(d: IstioDestination | undefined, rollout: Rollout): boolean {
  const rule = canaryOf(rollout).routing.istio?.destinationRule;
  return rule ? d?.subset === rule.canarySubsetName : d?.host === canaryOf(rollout).canaryService;
}

function isStable(d: IstioDestination | undefined, rollout: Rollout): boolean {
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
