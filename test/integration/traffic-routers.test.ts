// One contract for every traffic router: the same v1 → v2 canary (20%, pause, promote, 60%, a
// short pause, done) must put the same weights into each router's real routing object, read them
// back as verified, and end with all traffic on the new stable pods.
import { CustomObjectsApi, NetworkingV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startController, type ControllerProcess } from '../support/controller.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { installRoutingCrds } from '../support/routing.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
const custom = ns.kc.makeApiClient(CustomObjectsApi);
const net = ns.kc.makeApiClient(NetworkingV1Api);
let controller: ControllerProcess;

interface RouterCase {
  /** Rollout strategy fields (services and trafficRouting). */
  routing: (app: string) => Record<string, unknown>;
  /** Routing objects the person creates before the Rollout. */
  setup: (app: string) => Promise<void>;
  /** The canary and stable weights in place, read from the routing object. */
  weights: (app: string) => Promise<[number | undefined, number | undefined]>;
}

const services = (app: string) => ({
  canaryService: `${app}-canary`,
  stableService: `${app}-stable`,
  scaleDownDelaySeconds: 2,
});
const obj = (group: string, version: string, plural: string) => ({
  group,
  version,
  plural,
  namespace: ns.name,
});
const get = async (group: string, version: string, plural: string, name: string) =>
  (await custom.getNamespacedCustomObject({ ...obj(group, version, plural), name })) as unknown;
/** The value at a path inside a routing object, typed by the caller. */
const at = <T>(value: unknown, ...path: (string | number)[]): T =>
  path.reduce<unknown>(
    (v, key) => (v as Record<string | number, unknown> | undefined)?.[key],
    value,
  ) as T;
type Backends = { name?: string; service?: string; weight?: number }[] | undefined;
const byName = (
  list: { name?: string; service?: string; weight?: number }[] | undefined,
  name: string,
) => list?.find((b) => (b.name ?? b.service) === name)?.weight;

const cases: Record<string, RouterCase> = {
  'replica ratio': {
    routing: () => ({}),
    setup: () => Promise.resolve(),
    weights: async (app) => {
      const r = await rollouts.get(app);
      return [r.status?.canary?.weights?.canary.weight, r.status?.canary?.weights?.stable.weight];
    },
  },
  nginx: {
    routing: (app) => ({ ...services(app), trafficRouting: { nginx: { stableIngress: app } } }),
    setup: async (app) => {
      await net.createNamespacedIngress({
        namespace: ns.name,
        body: {
          metadata: { name: app },
          spec: {
            rules: [
              {
                http: {
                  paths: [
                    {
                      path: '/',
                      pathType: 'Prefix',
                      backend: { service: { name: `${app}-stable`, port: { number: 80 } } },
                    },
                  ],
                },
              },
            ],
          },
        },
      });
    },
    weights: async (app) => {
      const ing = await net
        .readNamespacedIngress({ name: `${app}-${app}-canary`, namespace: ns.name })
        .catch(() => undefined);
      const w = ing?.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'];
      return w === undefined ? [undefined, undefined] : [Number(w), 100 - Number(w)];
    },
  },
  smi: {
    routing: (app) => ({
      ...services(app),
      trafficRouting: { smi: { trafficSplitName: `${app}-split` } },
    }),
    setup: () => Promise.resolve(),
    weights: async (app) => {
      const ts = await get('split.smi-spec.io', 'v1alpha2', 'trafficsplits', `${app}-split`).catch(
        () => undefined,
      );
      return [
        byName(at<Backends>(ts, 'spec', 'backends'), `${app}-canary`),
        byName(at<Backends>(ts, 'spec', 'backends'), `${app}-stable`),
      ];
    },
  },
  traefik: {
    routing: (app) => ({
      ...services(app),
      trafficRouting: { traefik: { weightedTraefikServiceName: `${app}-weighted` } },
    }),
    setup: async (app) => {
      await custom.createNamespacedCustomObject({
        ...obj('traefik.io', 'v1alpha1', 'traefikservices'),
        body: {
          apiVersion: 'traefik.io/v1alpha1',
          kind: 'TraefikService',
          metadata: { name: `${app}-weighted` },
          spec: {
            weighted: {
              services: [
                { name: `${app}-stable`, port: 80, weight: 100 },
                { name: `${app}-canary`, port: 80, weight: 0 },
              ],
            },
          },
        },
      });
    },
    weights: async (app) => {
      const ts = await get('traefik.io', 'v1alpha1', 'traefikservices', `${app}-weighted`);
      return [
        byName(at<Backends>(ts, 'spec', 'weighted', 'services'), `${app}-canary`),
        byName(at<Backends>(ts, 'spec', 'weighted', 'services'), `${app}-stable`),
      ];
    },
  },
  'istio (host)': {
    routing: (app) => ({
      ...services(app),
      trafficRouting: { istio: { virtualService: { name: `${app}-vs`, routes: ['primary'] } } },
    }),
    setup: async (app) => {
      await custom.createNamespacedCustomObject({
        ...obj('networking.istio.io', 'v1beta1', 'virtualservices'),
        body: {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'VirtualService',
          metadata: { name: `${app}-vs` },
          spec: {
            hosts: [`${app}.example.com`],
            http: [
              {
                name: 'primary',
                route: [
                  { destination: { host: `${app}-stable` }, weight: 100 },
                  { destination: { host: `${app}-canary` }, weight: 0 },
                ],
              },
            ],
          },
        },
      });
    },
    weights: async (app) => {
      const vs = await get('networking.istio.io', 'v1beta1', 'virtualservices', `${app}-vs`);
      const route = at<{ destination: { host: string }; weight: number }[]>(
        vs,
        'spec',
        'http',
        0,
        'route',
      );
      return [
        route.find((d) => d.destination.host === `${app}-canary`)?.weight,
        route.find((d) => d.destination.host === `${app}-stable`)?.weight,
      ];
    },
  },
  'istio (subset)': {
    routing: (app) => ({
      ...services(app),
      trafficRouting: {
        istio: {
          virtualService: { name: `${app}-vs` },
          destinationRule: {
            name: `${app}-dr`,
            canarySubsetName: 'canary',
            stableSubsetName: 'stable',
          },
        },
      },
    }),
    setup: async (app) => {
      await custom.createNamespacedCustomObject({
        ...obj('networking.istio.io', 'v1beta1', 'destinationrules'),
        body: {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'DestinationRule',
          metadata: { name: `${app}-dr` },
          spec: { host: app, subsets: [{ name: 'canary' }, { name: 'stable' }] },
        },
      });
      await custom.createNamespacedCustomObject({
        ...obj('networking.istio.io', 'v1beta1', 'virtualservices'),
        body: {
          apiVersion: 'networking.istio.io/v1beta1',
          kind: 'VirtualService',
          metadata: { name: `${app}-vs` },
          spec: {
            hosts: [app],
            http: [
              {
                route: [
                  { destination: { host: app, subset: 'stable' }, weight: 100 },
                  { destination: { host: app, subset: 'canary' }, weight: 0 },
                ],
              },
            ],
          },
        },
      });
    },
    weights: async (app) => {
      const vs = await get('networking.istio.io', 'v1beta1', 'virtualservices', `${app}-vs`);
      const route = at<{ destination: { subset: string }; weight: number }[]>(
        vs,
        'spec',
        'http',
        0,
        'route',
      );
      const dr = await get('networking.istio.io', 'v1beta1', 'destinationrules', `${app}-dr`);
      const subsets = at<{ name: string; labels?: Record<string, string> }[]>(
        dr,
        'spec',
        'subsets',
      );
      // Each subset selects its ReplicaSet's pods by pod-template-hash.
      if (!subsets.every((s) => s.labels?.['rollouts-pod-template-hash']))
        return [undefined, undefined];
      return [
        route.find((d) => d.destination.subset === 'canary')?.weight,
        route.find((d) => d.destination.subset === 'stable')?.weight,
      ];
    },
  },
  'gateway api': {
    routing: (app) => ({
      ...services(app),
      trafficRouting: {
        plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: `${app}-route`, namespace: ns.name } },
      },
    }),
    setup: async (app) => {
      await custom.createNamespacedCustomObject({
        ...obj('gateway.networking.k8s.io', 'v1', 'httproutes'),
        body: {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: `${app}-route` },
          spec: {
            parentRefs: [{ name: 'gateway' }],
            rules: [
              {
                backendRefs: [
                  { name: `${app}-stable`, port: 80, weight: 100 },
                  { name: `${app}-canary`, port: 80, weight: 0 },
                ],
              },
            ],
          },
        },
      });
    },
    weights: async (app) => {
      const route = await get('gateway.networking.k8s.io', 'v1', 'httproutes', `${app}-route`);
      const refs = at<Backends>(route, 'spec', 'rules', 0, 'backendRefs');
      return [byName(refs, `${app}-canary`), byName(refs, `${app}-stable`)];
    },
  },
};

beforeAll(async () => {
  await installRampCrds(ns.kc);
  await installRoutingCrds(ns.kc);
  controller = startController(ns.name);
}, 300_000);

afterAll(async () => {
  await controller?.stop();
});

describe('traffic router contract', () => {
  it.each(Object.keys(cases))(
    '%s: weights follow the steps and end on the new stable',
    async (kind) => {
      const c = cases[kind]!;
      const app = `r-${kind.replace(/[^a-z]+/g, '')}`;
      for (const name of [`${app}-canary`, `${app}-stable`]) {
        await ns.core.createNamespacedService({
          namespace: ns.name,
          body: { metadata: { name }, spec: { selector: { app }, ports: [{ port: 80 }] } },
        });
      }
      await c.setup(app);
      const steps = [
        { setWeight: 20 },
        { pause: {} },
        { setWeight: 60 },
        { pause: { duration: '2s' } },
      ];
      await rollouts.create(canaryRollout(app, `${app}:1`, steps, c.routing(app), 2));
      await rollouts.waitUntil(app, 'Healthy at v1', (r) => r.status?.phase === 'Healthy');

      await rollouts.patchSpec(app, {
        spec: { template: { spec: { containers: [{ name: 'app', image: `${app}:2` }] } } },
      });
      const paused = await rollouts.waitUntil(
        app,
        'paused at 20%',
        (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1,
      );
      expect(await c.weights(app)).toEqual([20, 80]);
      if (kind !== 'replica ratio') expect(paused.status?.canary?.weights?.verified).toBe(true);

      await rollouts.promote(app);
      await rollouts.waitUntil(app, 'at 60%', (r) => (r.status?.currentStepIndex ?? 0) >= 3);
      expect(await c.weights(app)).toEqual([60, 40]);

      const done = await rollouts.waitUntil(
        app,
        'Healthy at v2',
        (r) => r.status?.phase === 'Healthy' && r.status.stableRS === paused.status?.currentPodHash,
      );
      expect(await c.weights(app)).toEqual([0, 100]);
      expect(done.status?.currentStepIndex).toBe(4);
    },
  );
});
