import { describe, expect, it } from 'vitest';

import type { CanaryStep, Rollout } from '../../src/api/rollout.js';
import {
  routesAt,
  routesInPlace,
  specWithRoutes,
  type ManagedRoute,
  type RouteHost,
} from '../../src/decide/managed-routes.js';
import { gatewayKind, istioKind } from '../../src/traffic/weighted.js';

const header: CanaryStep = {
  setHeaderRoute: {
    name: 'h',
    match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
  },
};
const headerOff: CanaryStep = { setHeaderRoute: { name: 'h' } };
const mirror: CanaryStep = {
  setMirrorRoute: {
    name: 'm',
    percentage: 35,
    match: [{ method: { exact: 'GET' }, path: { prefix: '/api' } }],
  },
};
const steps: CanaryStep[] = [{ setWeight: 10 }, header, mirror, { pause: {} }, headerOff];

describe('routesAt', () => {
  it.each([
    [0, []],
    [1, ['h']],
    [2, ['h', 'm']],
    [3, ['h', 'm']],
    [4, ['m']],
    [9, ['m']],
  ])('at step %i the routes in force are %j', (index, names) => {
    expect(routesAt(steps, index, ['h', 'm']).map((r) => r.name)).toEqual(names);
  });

  it('orders routes as managedRoutes lists them, not as the steps set them', () => {
    expect(routesAt([mirror, header], 1, ['h', 'm']).map((r) => r.name)).toEqual(['h', 'm']);
  });

  it('defaults a mirror percentage to 100', () => {
    const [route] = routesAt([{ setMirrorRoute: { name: 'm', match: [{}] } }], 0, ['m']);
    expect(route).toMatchObject({ kind: 'mirror', percentage: 100 });
  });
});

function rollout(trafficRouting: Record<string, unknown>): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'ns' },
    spec: {
      strategy: {
        canary: {
          canaryService: 'web-canary',
          stableService: 'web-stable',
          steps,
          trafficRouting: { ...trafficRouting, managedRoutes: [{ name: 'h' }, { name: 'm' }] },
        },
      },
    },
  } as unknown as Rollout;
}

const istioRollout = rollout({ istio: { virtualService: { name: 'vs', routes: ['primary'] } } });
const istioVs = {
  metadata: { name: 'vs' },
  spec: {
    http: [
      {
        name: 'primary',
        route: [
          { destination: { host: 'web-stable', port: { number: 80 } }, weight: 90 },
          { destination: { host: 'web-canary', port: { number: 80 } }, weight: 10 },
        ],
      },
    ],
  },
};
const routes = routesAt(steps, 3, ['h', 'm']);

describe('Istio managed routes', () => {
  const target = { weight: 10, canaryHash: 'c', stableHash: 's', routes };
  const spec = istioKind.write(istioVs, istioRollout, target)!;
  const http = spec.http as Record<string, unknown>[];

  it('puts header and mirror routes first, in managedRoutes order, and keeps the person’s route', () => {
    expect(http.map((r) => r.name)).toEqual(['h', 'm', 'primary']);
    expect(http[0]).toEqual({
      name: 'h',
      match: [{ headers: { 'x-canary': { exact: 'yes' } } }],
      route: [{ destination: { host: 'web-canary', port: { number: 80 } } }],
    });
    expect(http[1]).toMatchObject({
      match: [{ method: { exact: 'GET' }, uri: { prefix: '/api' } }],
      mirror: { host: 'web-canary', port: { number: 80 } },
      mirrorPercentage: { value: 35 },
    });
  });

  it('still reads the weight of the person’s route only', () => {
    expect(istioKind.read({ ...istioVs, spec }, istioRollout)).toBe(10);
  });

  it('verifies by reading back, and removal leaves the person’s routes alone', () => {
    const host: RouteHost = { router: 'istio', spec };
    expect(routesInPlace(host, istioRollout, routes, 10)).toBe(true);
    expect(routesInPlace(host, istioRollout, routes.slice(1), 10)).toBe(false);
    expect(routesInPlace({ router: 'istio', spec: istioVs.spec }, istioRollout, routes, 10)).toBe(
      false,
    );
    expect(specWithRoutes(host, istioRollout, [], 10)).toEqual(istioVs.spec);
  });
});

describe('Istio TLS and TCP routes', () => {
  const ro = rollout({
    istio: {
      virtualService: {
        name: 'vs',
        tlsRoutes: [{ port: 443, sniHosts: ['a.example.com'] }],
        tcpRoutes: [{ port: 5432 }],
      },
    },
  });
  const split = (stable: number) => [
    { destination: { host: 'web-stable' }, weight: stable },
    { destination: { host: 'web-canary' }, weight: 100 - stable },
  ];
  const vs = {
    metadata: { name: 'vs' },
    spec: {
      http: [{ name: 'other', route: split(100) }],
      tls: [
        { match: [{ port: 443, sniHosts: ['a.example.com'] }], route: split(100) },
        { match: [{ port: 443, sniHosts: ['b.example.com'] }], route: split(100) },
      ],
      tcp: [{ match: [{ port: 5432 }], route: split(100) }],
    },
  };

  it.each([
    ['tls', 0, 30],
    ['tls', 1, 0],
    ['tcp', 0, 30],
    ['http', 0, 0],
  ])('%s route %i gets canary weight %i', (list, index, weight) => {
    const spec = istioKind.write(vs, ro, {
      weight: 30,
      canaryHash: 'c',
      stableHash: 's',
      routes: [],
    })!;
    const route = (spec[list] as { route: { weight: number }[] }[])[index]!;
    expect(route.route[1]!.weight).toBe(weight);
  });
});

describe('Gateway API managed routes', () => {
  const ro = rollout({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'route' } } });
  const httpRoute = {
    metadata: { name: 'route' },
    spec: {
      rules: [
        {
          backendRefs: [
            { group: '', kind: 'Service', name: 'web-stable', port: 80, weight: 90 },
            { group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 10 },
          ],
        },
      ],
    },
  };
  const prefixed: ManagedRoute = {
    kind: 'header',
    name: 'h',
    match: [{ headerName: 'x-user', headerValue: { prefix: 'beta.' } }],
  };

  it('renders header rules to the canary alone and mirror rules with a RequestMirror filter', () => {
    const spec = gatewayKind.write(httpRoute, ro, {
      weight: 10,
      canaryHash: 'c',
      stableHash: 's',
      routes: [prefixed, ...routes.slice(1)],
    })!;
    const rules = spec.rules as Record<string, unknown>[];
    expect(rules.map((r) => r.name)).toEqual(['h', 'm', undefined]);
    expect(rules[0]).toEqual({
      name: 'h',
      matches: [
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ name: 'x-user', type: 'RegularExpression', value: '^beta\\..*' }],
        },
      ],
      backendRefs: [{ group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 100 }],
    });
    expect(rules[1]).toMatchObject({
      matches: [{ method: 'GET', path: { type: 'PathPrefix', value: '/api' } }],
      filters: [
        {
          type: 'RequestMirror',
          requestMirror: {
            backendRef: { group: '', kind: 'Service', name: 'web-canary', port: 80 },
            percent: 35,
          },
        },
      ],
    });
    expect(gatewayKind.read({ ...httpRoute, spec }, ro)).toBe(10);
    const reweighed = gatewayKind.write({ ...httpRoute, spec }, ro, {
      weight: 50,
      canaryHash: 'c',
      stableHash: 's',
      routes: [],
    })!;
    expect(reweighed.rules).toEqual([
      {
        backendRefs: [
          { group: '', kind: 'Service', name: 'web-stable', port: 80, weight: 50 },
          { group: '', kind: 'Service', name: 'web-canary', port: 80, weight: 50 },
        ],
      },
    ]);
  });
});
