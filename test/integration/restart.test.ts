// spec.restartAt on the real control plane: every pod is replaced, one at a time, never going
// below the desired number of Ready pods by more than the one being replaced.
import { describe, expect, it } from 'vitest';

import { useController } from '../support/controller.js';
import { useTestNamespace } from '../support/namespace.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
useController(ns);

describe('restartAt', () => {
  it('replaces every pod created before it and records restartedAt', async () => {
    await rollouts.create(canaryRollout('web', 'web:1', [{ setWeight: 50 }], {}, 3));
    await rollouts.waitUntil('web', 'Healthy', (r) => r.status?.phase === 'Healthy');
    const before = (
      await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' })
    ).items.map((p) => p.metadata?.name);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const restartAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await rollouts.patchSpec('web', { spec: { restartAt } });
    let minReady = 3;
    await waitFor(
      'restartedAt recorded',
      async () => {
        const pods = (
          await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' })
        ).items;
        const ready = pods.filter(
          (p) =>
            !p.metadata?.deletionTimestamp &&
            p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        minReady = Math.min(minReady, ready.length);
        return (await rollouts.get('web')).status?.restartedAt === restartAt;
      },
      { intervalMs: 50, timeoutMs: 90_000 },
    );
    const after = (
      await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: 'app=web' })
    ).items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(after).toHaveLength(3);
    expect(after.map((p) => p.metadata?.name).filter((n) => before.includes(n))).toEqual([]);
    expect(minReady).toBeGreaterThanOrEqual(2);
  });
});
