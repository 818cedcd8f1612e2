// Header and mirror routes (setHeaderRoute / setMirrorRoute steps), decided purely. The routes in
// force follow from the steps and the current step index alone, so a restarted controller knows
// them from status; they are rendered into the routing object's own route list (an Istio
// VirtualService's `http`, a Gateway API HTTPRoute's `rules`) under the names listed in
// trafficRouting.managedRoutes, ahead of the person's routes, and are gone when the rollout
// completes, aborts or is deleted.
import type { CanaryStep, Rollout } from '../api/rollout.js';
import { canonicalJson } from './hash.js';

/** One of Argo's string matchers: exactly one of exact, prefix and regex. */
export interface StringMatcher {
  readonly exact?: string | undefined;
  readonly prefix?: string | undefined;
  readonly regex?: string | undefined;
}

/** A header route: requests carrying all the headers go to the canary. */
export interface HeaderRoute {
  readonly kind: 'header';
  readonly name: string;
  readonly match: readonly { headerName: string; headerValue: StringMatcher }[];
}

/** A mirror route: matching requests are served as usual and a share is copied to the canary. */
export interface MirrorRoute {
  readonly kind: 'mirror';
  readonly name: string;
  readonly match: readonly {
    method?: StringMatcher | undefined;
    path?: StringMatcher | undefined;
    headers?: Record<string, StringMatcher> | undefined;
  }[];
  readonly percentage: number;
}

/** A managed route in force. */
export type ManagedRoute = HeaderRoute | MirrorRoute;

/** The routers that can carry managed routes. */
export type RouteHostKind = 'istio' | 'gatewayAPI';

type Obj = Record<string, unknown>;

/** Names listed in trafficRouting.managedRoutes, in precedence order. */
export function managedRouteNames(rollout: Rollout): string[] {
  return (rollout.spec.strategy?.canary?.trafficRouting?.managedRoutes ?? []).map((r) => r.name);
}

/**
 * The managed routes in force at step `index`: each name takes the last setHeaderRoute or
 * setMirrorRoute for it at or before the index; one with no match removes it (as in Argo).
 */
export function routesAt(
  steps: readonly CanaryStep[],
  index: number,
  names: readonly string[],
): ManagedRoute[] {
  const byName = new Map<string, ManagedRoute | undefined>();
  for (const step of steps.slice(0, Math.max(0, index + 1))) {
    const route = routeOf(step);
    if (route) byName.set(route.name, route.match.length > 0 ? route : undefined);
  }
  return names.flatMap((name) => {
    const route = byName.get(name);
    return route ? [route] : [];
  });
}

function routeOf(step: CanaryStep): ManagedRoute | undefined {
  if (step.setHeaderRoute)
    return {
      kind: 'header',
      name: step.setHeaderRoute.name ?? '',
      match: step.setHeaderRoute.match ?? [],
    };
  if (step.setMirrorRoute)
    return {
      kind: 'mirror',
      name: step.setMirrorRoute.name,
      match: step.setMirrorRoute.match ?? [],
      percentage: step.setMirrorRoute.percentage ?? 100,
    };
  return undefined;
}

/** Drops undefined fields so rendered routes compare equal to what the API server returns. */
function compact<T extends Obj>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function services(rollout: Rollout): { canary: string; stable: string } {
  const canary = rollout.spec.strategy?.canary;
  return { canary: canary?.canaryService ?? '', stable: canary?.stableService ?? '' };
}

// ---- Istio VirtualService -------------------------------------------------------------------

type Destination = { host?: string; subset?: string; port?: unknown };
type IstioHttp = Obj & { name?: string; route?: { destination?: Destination; weight?: number }[] };

/** Which Istio destinations are the canary and the stable side (by subset or by host). */
function istioSides(rollout: Rollout): {
  isCanary: (d?: Destination) => boolean;
  isStable: (d?: Destination) => boolean;
} {
  const rule = rollout.spec.strategy?.canary?.trafficRouting?.istio?.destinationRule;
  const svc = services(rollout);
  if (rule)
    return {
      isCanary: (d) => d?.subset === rule.canarySubsetName,
      isStable: (d) => d?.subset === rule.stableSubsetName,
    };
  return { isCanary: (d) => d?.host === svc.canary, isStable: (d) => d?.host === svc.stable };
}

/** The destinations of the person's weighted route, copied so host, subset and port carry over. */
function istioDestinations(
  http: readonly IstioHttp[],
  rollout: Rollout,
): { canary: Destination; stable: Destination } | undefined {
  const sides = istioSides(rollout);
  for (const route of http) {
    const canary = route.route?.find((d) => sides.isCanary(d.destination))?.destination;
    const stable = route.route?.find((d) => sides.isStable(d.destination))?.destination;
    if (canary && stable) return { canary, stable };
  }
  return undefined;
}

function istioMatch(m: MirrorRoute['match'][number]): Obj {
  return compact({ method: m.method, uri: m.path, headers: m.headers });
}

function istioRoute(
  route: ManagedRoute,
  dest: { canary: Destination; stable: Destination },
  weight: number,
): IstioHttp {
  if (route.kind === 'header') {
    const headers = Object.fromEntries(route.match.map((m) => [m.headerName, m.headerValue]));
    return { name: route.name, match: [{ headers }], route: [{ destination: dest.canary }] };
  }
  return {
    name: route.name,
    match: route.match.map(istioMatch),
    route: [
      { destination: dest.canary, weight },
      { destination: dest.stable, weight: 100 - weight },
    ],
    mirror: dest.canary,
    mirrorPercentage: { value: route.percentage },
  };
}

/** An Istio `http` list with the managed routes replaced by `routes`, placed first. */
export function istioWithRoutes(
  http: readonly IstioHttp[],
  rollout: Rollout,
  routes: readonly ManagedRoute[],
  weight: number,
): IstioHttp[] {
  const names = managedRouteNames(rollout);
  const others = http.filter((r) => r.name === undefined || !names.includes(r.name));
  const dest = istioDestinations(others, rollout);
  if (!dest) return [...others];
  return [...routes.map((r) => istioRoute(r, dest, weight)), ...others];
}

// ---- Gateway API HTTPRoute ------------------------------------------------------------------

type BackendRef = Obj & { name?: string; weight?: number };
type GatewayRule = Obj & { name?: string; backendRefs?: BackendRef[] };

/** Gateway API matches values exactly or by regular expression; a prefix becomes an anchored one. */
function gatewayValue(m: StringMatcher): { type: string; value: string } {
  if (m.exact !== undefined) return { type: 'Exact', value: m.exact };
  if (m.prefix !== undefined)
    return { type: 'RegularExpression', value: `^${escapeRegex(m.prefix)}.*` };
  return { type: 'RegularExpression', value: m.regex ?? '' };
}

function gatewayPath(m: StringMatcher): { type: string; value: string } {
  if (m.prefix !== undefined) return { type: 'PathPrefix', value: m.prefix };
  return gatewayValue(m);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function gatewayHeaders(headers: Record<string, StringMatcher>): Obj[] {
  return Object.entries(headers).map(([name, m]) => ({ name, ...gatewayValue(m) }));
}

/** The API server fills in this path on a match without one; rendering it keeps reads comparable. */
const defaultPath = { type: 'PathPrefix', value: '/' };

function gatewayMirrorMatch(m: MirrorRoute['match'][number]): Obj {
  return compact({
    method: m.method?.exact,
    path: m.path ? gatewayPath(m.path) : defaultPath,
    headers: m.headers ? gatewayHeaders(m.headers) : undefined,
  });
}

function gatewayRule(
  route: ManagedRoute,
  refs: { canary: BackendRef; stable: BackendRef },
  weight: number,
): GatewayRule {
  const canaryOnly = Object.fromEntries(
    Object.entries(refs.canary).filter(([k]) => k !== 'weight'),
  );
  if (route.kind === 'header') {
    const headers = route.match.map((m) => ({
      name: m.headerName,
      ...gatewayValue(m.headerValue),
    }));
    return {
      name: route.name,
      matches: [{ path: defaultPath, headers }],
      backendRefs: [{ ...refs.canary, weight: 100 }],
    };
  }
  return {
    name: route.name,
    matches: route.match.map(gatewayMirrorMatch),
    backendRefs: [
      { ...refs.canary, weight },
      { ...refs.stable, weight: 100 - weight },
    ],
    filters: [
      {
        type: 'RequestMirror',
        requestMirror: { backendRef: canaryOnly, percent: route.percentage },
      },
    ],
  };
}

function gatewayRefs(
  rules: readonly GatewayRule[],
  rollout: Rollout,
): { canary: BackendRef; stable: BackendRef } | undefined {
  const svc = services(rollout);
  for (const rule of rules) {
    const canary = rule.backendRefs?.find((b) => b.name === svc.canary);
    const stable = rule.backendRefs?.find((b) => b.name === svc.stable);
    if (canary && stable) return { canary, stable };
  }
  return undefined;
}

/** An HTTPRoute's `rules` with the managed rules replaced by `routes`, placed first. */
export function gatewayWithRoutes(
  rules: readonly GatewayRule[],
  rollout: Rollout,
  routes: readonly ManagedRoute[],
  weight: number,
): GatewayRule[] {
  const others = withoutManaged(rules, rollout);
  const refs = gatewayRefs(others, rollout);
  if (!refs) return [...others];
  return [...routes.map((r) => gatewayRule(r, refs, weight)), ...others];
}

/** Entries of a route list that are not ramp's managed routes (the person's own routes). */
export function withoutManaged<T extends { name?: string }>(
  list: readonly T[],
  rollout: Rollout,
): T[] {
  const names = managedRouteNames(rollout);
  return list.filter((r) => r.name === undefined || !names.includes(r.name));
}

// ---- Both -----------------------------------------------------------------------------------

/** A routing object's spec as read, tagged with the router that owns its route list. */
export interface RouteHost {
  readonly router: RouteHostKind;
  readonly spec: Record<string, unknown>;
}

/** The spec with the managed routes replaced by `routes` (empty: removed). */
export function specWithRoutes(
  host: RouteHost,
  rollout: Rollout,
  routes: readonly ManagedRoute[],
  weight: number,
): Record<string, unknown> {
  if (host.router === 'istio')
    return {
      ...host.spec,
      http: istioWithRoutes((host.spec.http ?? []) as IstioHttp[], rollout, routes, weight),
    };
  return {
    ...host.spec,
    rules: gatewayWithRoutes((host.spec.rules ?? []) as GatewayRule[], rollout, routes, weight),
  };
}

/** The managed routes in the object are exactly `routes` (verified by reading back). */
export function routesInPlace(
  host: RouteHost,
  rollout: Rollout,
  routes: readonly ManagedRoute[],
  weight: number,
): boolean {
  const key = host.router === 'istio' ? 'http' : 'rules';
  const wanted = specWithRoutes(host, rollout, routes, weight)[key];
  return canonicalJson(wanted) === canonicalJson(host.spec[key] ?? []);
}
