// Header and mirror routes (setHeaderRoute / setMirrorRoute) in real Istio VirtualServices and
// Gateway API HTTPRoutes: added at their steps, removed by a step without a match, gone when the
// rollout completes or the Rollout is deleted, and the person's own routes never touched.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startController, type ControllerProcess } from '../support/controller.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { installRoutingCrds } from '../support/routing.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
const custom = ns.kc.makeApiClient(CustomObjectsApi);
let controller: ControllerProcess;

type Named = { name?: string } & Record<string, unknown>;

interface HostCase {
  api: { group: string; version: string; plural: string; kind: string; list: 'http' | 'rules' };
  trafficRouting: (app: string) => Record<string, unknown>;
  spec: (app: string) => Record<string, unknown>;
}

const cases: Record<string, HostCase> = {
  'istio (subset)': {
    api: {
      group: 'networking.istio.io',
      version: 'v1beta1',
      plural: 'virtualservices',
      kind: 'VirtualService',
      list: 'http',
    },
    trafficRouting: (app) => ({
      istio: {
        virtualService: { name: `${app}-host`, routes: ['primary'] },
        destinationRule: {
          name: `${app}-dr`,
          canarySubsetName: 'canary',
          stableSubsetName: 'stable',
        },
      },
    }),
    spec: (app) => ({
      hosts: [app],
      http: [
        {
          name: 'primary',
          route: [
            { destination: { host: app, subset: 'stable' }, weight: 100 },
            { destination: { host: app, subset: 'canary' }, weight: 0 },
          ],
        },
      ],
    }),
  },
  'gateway api': {
    api: {
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      plural: 'httproutes',
      kind: 'HTTPRoute',
      list: 'rules',
    },
    trafficRouting: (app) => ({
      plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: `${app}-host`, namespace: ns.name } },
    }),
    spec: (app) => ({
      parentRefs: [{ name: 'gateway' }],
      rules: [
        {
          name: 'primary',
          backendRefs: [
            { name: `${app}-stable`, port: 80, weight: 100 },
            { name: `${app}-canary`, port: 80, weight: 0 },
          ],
        },
      ],
    }),
  },
};

const steps = [
  { setWeight: 20 },
  {
    setHeaderRoute: {
      name: 'header',
      match: [{ headerName: 'x-canary', headerValue: { exact: 'yes' } }],
    },
  },
  {
    setMirrorRoute: {
      name: 'mirror',
      percentage: 35,
      match: [{ method: { exact: 'GET' }, path: { prefix: '/api' } }],
    },
  },
  { pause: {} },
  { setHeaderRoute: { name: 'header' } },
  { pause: {} },
];

async function setUp(app: string, c: HostCase): Promise<void> {
  for (const name of [`${app}-canary`, `${app}-stable`]) {
    await ns.core.createNamespacedService({
      namespace: ns.name,
      body: { metadata: { name }, spec: { selector: { app }, ports: [{ port: 80 }] } },
    });
  }
  if (c.api.kind === 'VirtualService')
    await custom.createNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1beta1',
      plural: 'destinationrules',
      namespace: ns.name,
      body: {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'DestinationRule',
        metadata: { name: `${app}-dr` },
        spec: { host: app, subsets: [{ name: 'canary' }, { name: 'stable' }] },
      },
    });
  await custom.createNamespacedCustomObject({
    ...c.api,
    namespace: ns.name,
    body: {
      apiVersion: `${c.api.group}/${c.api.version}`,
      kind: c.api.kind,
      metadata: { name: `${app}-host` },
      spec: c.spec(app),
    },
  });
}

async function routeList(app: string, c: HostCase): Promise<Named[]> {
  const obj = (await custom.getNamespacedCustomObject({
    ...c.api,
    namespace: ns.name,
    name: `${app}-host`,
  })) as { spec: Record<string, Named[]> };
  return obj.spec[c.api.list] ?? [];
}

const names = (list: Named[]) => list.map((r) => r.name);

beforeAll(async () => {
  await installRampCrds(ns.kc);
  await installRoutingCrds(ns.kc);
  controller = startController(ns.name);
}, 300_000);

afterAll(async () => {
  await controller?.stop();
});

describe('managed header and mirror routes', () => {
  it.each(Object.keys(cases))(
    '%s: routes follow the steps and leave with the rollout',
    async (kind) => {
      const c = cases[kind]!;
      const app = `m-${kind.replace(/[^a-z]+/g, '')}`;
      await setUp(app, c);
      const routing = {
        canaryService: `${app}-canary`,
        stableService: `${app}-stable`,
        scaleDownDelaySeconds: 2,
        trafficRouting: {
          ...c.trafficRouting(app),
          managedRoutes: [{ name: 'header' }, { name: 'mirror' }],
        },
      };
      await rollouts.create(canaryRollout(app, `${app}:1`, steps, routing, 2));
      await rollouts.waitUntil(app, 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
      const personal = await routeList(app, c);
      expect(names(personal)).toEqual(['primary']);

      const update = (image: string) =>
        rollouts.patchSpec(app, {
          spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
        });
      const pausedAt = (index: number) =>
        rollouts.waitUntil(
          app,
          `paused at step ${index}`,
          (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === index,
        );
      await update(`${app}:2`);
      await pausedAt(3);
      const withBoth = await routeList(app, c);
      expect(names(withBoth)).toEqual(['header', 'mirror', 'primary']);
      expect(JSON.stringify(withBoth[0])).toContain('x-canary');
      expect(JSON.stringify(withBoth[1])).toContain('35');

      // Someone edits the routes away by hand: the controller sees it and puts them back.
      await custom.patchNamespacedCustomObject({
        ...c.api,
        namespace: ns.name,
        name: `${app}-host`,
        body: [{ op: 'replace', path: `/spec/${c.api.list}`, value: withBoth.slice(2) }],
      });
      await waitFor(
        'managed routes healed after a hand edit',
        async () => names(await routeList(app, c)).join() === 'header,mirror,primary',
      );

      await rollouts.promote(app);
      await pausedAt(5);
      expect(names(await routeList(app, c))).toEqual(['mirror', 'primary']);

      await rollouts.promote(app);
      await rollouts.waitUntil(
        app,
        'Healthy at v2',
        (r) => r.status?.phase === 'Healthy' && r.status.currentStepIndex === steps.length,
      );
      await waitFor(
        'managed routes removed on completion',
        async () => names(await routeList(app, c)).join() === 'primary',
      );

      // Deleted mid-canary: the routes leave with the Rollout.
      await update(`${app}:3`);
      await pausedAt(3);
      expect(names(await routeList(app, c))).toEqual(['header', 'mirror', 'primary']);
      await custom.deleteNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        plural: 'rollouts',
        namespace: ns.name,
        name: app,
      });
      await waitFor(
        'managed routes removed on deletion',
        async () => names(await routeList(app, c)).join() === 'primary',
      );
    },
  );
});
