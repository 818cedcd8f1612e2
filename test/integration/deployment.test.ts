// The real controller-manager, scheduler and kwok turn a Deployment into Ready pods, and garbage
// collection plus kwok's delete stage remove them again.
import { describe, expect, it } from 'vitest';

import { useTestNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);

describe('a Deployment on the local control plane', () => {
  it('gets 3 Ready pods, and deleting it removes them', async () => {
    const labels = { app: 'web' };
    await ns.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      },
    });
    const readyPods = async (): Promise<number> => {
      const pods = await ns.core.listNamespacedPod({
        namespace: ns.name,
        labelSelector: 'app=web',
      });
      return pods.items.filter(
        (p) =>
          p.status?.phase === 'Running' &&
          p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
    };
    await waitFor('3 Ready pods', async () => (await readyPods()) === 3);
    const deployment = await ns.apps.readNamespacedDeployment({ name: 'web', namespace: ns.name });
    await waitFor('Deployment status to count 3 available', async () => {
      const d = await ns.apps.readNamespacedDeployment({ name: 'web', namespace: ns.name });
      return d.status?.availableReplicas === 3;
    });
    expect(deployment.spec?.replicas).toBe(3);

    await ns.apps.deleteNamespacedDeployment({
      name: 'web',
      namespace: ns.name,
      propagationPolicy: 'Foreground',
    });
    await waitFor('all pods gone', async () => {
      const pods = await ns.core.listNamespacedPod({
        namespace: ns.name,
        labelSelector: 'app=web',
      });
      return pods.items.length === 0;
    });
    // Foreground deletion removes the pods first, then the ReplicaSet.
    await waitFor('the ReplicaSet gone', async () => {
      const left = await ns.apps.listNamespacedReplicaSet({ namespace: ns.name });
      return left.items.length === 0;
    });
  });

  it('runs a Job to completion', async () => {
    await ns.batch.createNamespacedJob({
      namespace: ns.name,
      body: {
        metadata: { name: 'once' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'once', image: 'busybox' }] },
          },
        },
      },
    });
    await waitFor('Job Complete', async () => {
      const job = await ns.batch.readNamespacedJob({ name: 'once', namespace: ns.name });
      return (
        job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ?? false
      );
    });
  });
});
