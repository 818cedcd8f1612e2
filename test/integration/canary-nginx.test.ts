// A canary through NGINX Ingress on the real control plane: the controller keeps a canary Ingress
// cloned from the stable one, with the weight of each step in its canary-weight annotation.
import { NetworkingV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startController, type ControllerProcess } from '../support/controller.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
const net = ns.kc.makeApiClient(NetworkingV1Api);
let controller: ControllerProcess;

const routing = {
  canaryService: 'shop-canary',
  stableService: 'shop-stable',
  scaleDownDelaySeconds: 3,
  trafficRouting: {
    nginx: {
      stableIngress: 'shop',
      additionalIngressAnnotations: { 'canary-by-header': 'X-Canary' },
    },
  },
};

beforeAll(async () => {
  await installRampCrds(ns.kc);
  for (const name of ['shop-canary', 'shop-stable']) {
    await ns.core.createNamespacedService({
      namespace: ns.name,
      body: {
        metadata: { name },
        spec: { selector: { app: 'shop' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
  }
  await net.createNamespacedIngress({
    namespace: ns.name,
    body: {
      metadata: { name: 'shop' },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'shop-stable', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  });
  controller = startController(ns.name);
});

afterAll(async () => {
  await controller?.stop();
});

async function canaryWeight(): Promise<string | undefined> {
  const ingress = await net
    .readNamespacedIngress({ name: 'shop-shop-canary', namespace: ns.name })
    .catch(() => undefined);
  return ingress?.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-weight'];
}

describe('canary through NGINX Ingress', () => {
  it('sets the weight of each step on the canary Ingress, survives a SIGKILL while paused, and ends Healthy', async () => {
    const steps = [
      { setWeight: 20 },
      { pause: {} },
      { setWeight: 60 },
      { pause: { duration: '5s' } },
    ];
    await rollouts.create(canaryRollout('shop', 'shop:1', steps, routing, 4));
    const v1 = await rollouts.waitUntil(
      'shop',
      'Healthy at v1',
      (r) => r.status?.phase === 'Healthy',
    );
    expect(await canaryWeight()).toBe('0');

    await rollouts.patchSpec('shop', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'shop:2' }] } } },
    });
    const paused = await rollouts.waitUntil(
      'shop',
      'paused at step 1',
      (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1,
    );
    expect(await canaryWeight()).toBe('20');
    expect(paused.status?.canary?.weights).toMatchObject({
      canary: { weight: 20, serviceName: 'shop-canary' },
      stable: { weight: 80 },
      verified: true,
    });

    const canary = await net.readNamespacedIngress({
      name: 'shop-shop-canary',
      namespace: ns.name,
    });
    expect(canary.metadata?.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
    });
    expect(canary.spec?.ingressClassName).toBe('nginx');
    expect(canary.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name).toBe('shop-canary');
    expect(canary.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Rollout',
      name: 'shop',
      controller: true,
    });
    const selector = async (svc: string) =>
      (await ns.core.readNamespacedService({ name: svc, namespace: ns.name })).spec?.selector?.[
        'rollouts-pod-template-hash'
      ];
    expect(await selector('shop-canary')).toBe(paused.status?.currentPodHash);
    expect(await selector('shop-stable')).toBe(v1.status?.stableRS);

    // SIGKILL while paused: the restarted controller resumes at the same step, changes nothing.
    const rsBefore = (await ns.apps.listNamespacedReplicaSet({ namespace: ns.name })).items
      .map((rs) => `${rs.metadata?.name}=${rs.spec?.replicas}`)
      .sort();
    await controller.kill();
    controller = startController(ns.name);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await rollouts.get('shop');
    expect(after.status?.currentStepIndex).toBe(1);
    expect(after.status?.phase).toBe('Paused');
    expect(after.status?.pauseConditions).toEqual(paused.status?.pauseConditions);
    expect(await canaryWeight()).toBe('20');
    const rsAfter = (await ns.apps.listNamespacedReplicaSet({ namespace: ns.name })).items
      .map((rs) => `${rs.metadata?.name}=${rs.spec?.replicas}`)
      .sort();
    expect(rsAfter).toEqual(rsBefore);

    await rollouts.promote('shop');
    await rollouts.waitUntil(
      'shop',
      'timed pause at step 3',
      (r) => r.status?.currentStepIndex === 3,
    );
    expect(await canaryWeight()).toBe('60');

    const done = await rollouts.waitUntil(
      'shop',
      'Healthy at v2',
      (r) => r.status?.phase === 'Healthy' && r.status.stableRS === paused.status?.currentPodHash,
    );
    expect(await canaryWeight()).toBe('0');
    expect(await selector('shop-stable')).toBe(done.status?.stableRS);
    const sizes = (await ns.apps.listNamespacedReplicaSet({ namespace: ns.name })).items.map(
      (rs) => [rs.spec?.template?.spec?.containers[0]?.image, rs.spec?.replicas],
    );
    expect(Object.fromEntries(sizes)).toEqual({ 'shop:1': 0, 'shop:2': 4 });
  }, 150_000);

  it('aborts: canary weight 0 at once, Degraded', async () => {
    await rollouts.patchSpec('shop', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'shop:3' }] } } },
    });
    await rollouts.waitUntil(
      'shop',
      'paused at step 1',
      (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1,
    );
    expect(await canaryWeight()).toBe('20');
    await rollouts.abort('shop');
    await rollouts.waitUntil('shop', 'Degraded', (r) => r.status?.phase === 'Degraded');
    expect(await canaryWeight()).toBe('0');
  });
});
