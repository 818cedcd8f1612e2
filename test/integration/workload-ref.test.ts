// workloadRef: the Rollout takes its template from an existing Deployment, scales the Deployment
// down once it is Healthy (scaleDown: onsuccess), and a new Deployment template starts a canary.
import { describe, expect, it } from 'vitest';

import { useController } from '../support/controller.js';
import { useTestNamespace } from '../support/namespace.js';
import { rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
useController(ns);

const deployment = (image: string) => ({
  metadata: { name: 'legacy' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'legacy' } },
    template: {
      metadata: { labels: { app: 'legacy' } },
      spec: { containers: [{ name: 'app', image }] },
    },
  },
});

describe('workloadRef', () => {
  it('reports a missing Deployment clearly', async () => {
    await rollouts.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'orphan' },
      spec: {
        replicas: 1,
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nowhere' },
        strategy: { canary: { steps: [{ setWeight: 50 }] } },
      },
    });
    const r = await rollouts.waitUntil(
      'orphan',
      'Degraded',
      (ro) => ro.status?.phase === 'Degraded',
    );
    expect(r.status?.message).toContain('Deployment "nowhere" not found');
  });

  it('runs the Deployment template as a Rollout and scales the Deployment down on success', async () => {
    await ns.apps.createNamespacedDeployment({ namespace: ns.name, body: deployment('legacy:1') });
    await rollouts.create({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'legacy' },
      spec: {
        replicas: 3,
        workloadRef: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'legacy',
          scaleDown: 'onsuccess',
        },
        strategy: { canary: { steps: [{ setWeight: 34 }, { pause: {} }] } },
      },
    });
    const healthy = await rollouts.waitUntil(
      'legacy',
      'Healthy',
      (r) => r.status?.phase === 'Healthy',
    );
    expect(healthy.status?.workloadObservedGeneration).toMatch(/^[0-9]+$/);
    await waitFor(
      'Deployment scaled to 0',
      async () =>
        (await ns.apps.readNamespacedDeployment({ name: 'legacy', namespace: ns.name })).spec
          ?.replicas === 0,
    );

    await ns.apps.patchNamespacedDeployment({
      name: 'legacy',
      namespace: ns.name,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'legacy:2' }],
    });
    await rollouts.waitUntil(
      'legacy',
      'canary paused',
      (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1,
    );
    const images = (await ns.apps.listNamespacedReplicaSet({ namespace: ns.name })).items
      .filter((rs) => rs.metadata?.ownerReferences?.[0]?.kind === 'Rollout')
      .map((rs) => [rs.spec?.template?.spec?.containers[0]?.image, rs.spec?.replicas]);
    expect(Object.fromEntries(images)).toEqual({ 'legacy:1': 2, 'legacy:2': 1 });
  });
});
