// A canary without a traffic router on the real control plane: the weight is the share of pods.
import { describe, expect, it } from 'vitest';

import { useController } from '../support/controller.js';
import { useTestNamespace } from '../support/namespace.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
const controller = useController(ns);

/** Ready pods per image, e.g. { 'web:1': 4, 'web:2': 1 }. */
async function sizesByImage(app: string): Promise<Record<string, number>> {
  const list = await ns.apps.listNamespacedReplicaSet({
    namespace: ns.name,
    labelSelector: `app=${app}`,
  });
  const out: Record<string, number> = {};
  for (const rs of list.items) {
    const image = rs.spec?.template?.spec?.containers[0]?.image ?? '?';
    out[image] = rs.spec?.replicas ?? 0;
  }
  return out;
}

describe('canary by replica ratio', () => {
  it('walks v1 → v2 through setWeight 20, pause, promote, setWeight 60, a 5s pause, and ends Healthy', async () => {
    const steps = [
      { setWeight: 20 },
      { pause: {} },
      { setWeight: 60 },
      { pause: { duration: '5s' } },
    ];
    await rollouts.create(canaryRollout('web', 'web:1', steps));
    await rollouts.waitUntil('web', 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
    expect(await sizesByImage('web')).toEqual({ 'web:1': 5 });

    await rollouts.patchSpec('web', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'web:2' }] } } },
    });
    const paused = await rollouts.waitUntil(
      'web',
      'paused at step 1',
      (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1,
    );
    expect(await sizesByImage('web')).toEqual({ 'web:1': 4, 'web:2': 1 });
    expect(paused.status?.pauseConditions?.[0]?.reason).toBe('CanaryPauseStep');
    expect(paused.status?.canary?.weights?.canary.weight).toBe(20);

    await rollouts.promote('web');
    await rollouts.waitUntil(
      'web',
      'timed pause at step 3',
      (r) => r.status?.currentStepIndex === 3 && r.status.phase === 'Paused',
    );
    expect(await sizesByImage('web')).toEqual({ 'web:1': 2, 'web:2': 3 });

    const done = await rollouts.waitUntil(
      'web',
      'Healthy at v2',
      (r) => r.status?.phase === 'Healthy' && r.status.currentStepIndex === 4,
    );
    expect(await sizesByImage('web')).toEqual({ 'web:1': 0, 'web:2': 5 });
    expect(done.status?.stableRS).toBe(done.status?.currentPodHash);
    const events = await ns.core.listNamespacedEvent({
      namespace: ns.name,
      fieldSelector: 'involvedObject.name=web',
    });
    expect(events.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['RolloutStepCompleted', 'RolloutPaused', 'RolloutCompleted']),
    );
  });

  it('aborts back to v1 at once, reports Degraded, and retry restarts the canary', async () => {
    await rollouts.create(canaryRollout('shop', 'shop:1', [{ setWeight: 40 }, { pause: {} }]));
    await rollouts.waitUntil('shop', 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
    await rollouts.patchSpec('shop', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'shop:2' }] } } },
    });
    await rollouts.waitUntil('shop', 'paused', (r) => r.status?.phase === 'Paused');
    expect(await sizesByImage('shop')).toEqual({ 'shop:1': 3, 'shop:2': 2 });

    await rollouts.abort('shop');
    const aborted = await rollouts.waitUntil(
      'shop',
      'Degraded',
      (r) => r.status?.phase === 'Degraded',
    );
    expect(aborted.status?.message).toContain('RolloutAborted');
    expect(aborted.status?.canary?.weights?.canary.weight).toBe(0);
    await waitFor('canary scaled away', async () => (await sizesByImage('shop'))['shop:2'] === 0);
    expect(await sizesByImage('shop')).toEqual({ 'shop:1': 5, 'shop:2': 0 });

    await rollouts.retry('shop');
    await rollouts.waitUntil(
      'shop',
      'paused again after retry',
      (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1,
    );
    expect(await sizesByImage('shop')).toEqual({ 'shop:1': 3, 'shop:2': 2 });
  });

  it('reports an invalid Rollout without disturbing the others', async () => {
    await rollouts.create(canaryRollout('broken', 'broken:1', [{ setWeight: 20, pause: {} }]));
    const broken = await rollouts.waitUntil(
      'broken',
      'InvalidSpec',
      (r) => r.status?.phase === 'Degraded',
    );
    const condition = broken.status?.conditions?.find((c) => c.type === 'InvalidSpec');
    expect(condition?.status).toBe('True');
    expect(condition?.message).toContain(
      'spec.strategy.canary.steps[0]: Step must have exactly one of its actions set, found setWeight, pause',
    );
    const events = await ns.core.listNamespacedEvent({
      namespace: ns.name,
      fieldSelector: 'involvedObject.name=broken',
    });
    expect(events.items.some((e) => e.type === 'Warning' && e.reason === 'InvalidSpec')).toBe(true);
    expect(await sizesByImage('broken')).toEqual({});

    await rollouts.create(canaryRollout('fine', 'fine:1', [{ setWeight: 50 }]));
    await rollouts.waitUntil('fine', 'Healthy', (r) => r.status?.phase === 'Healthy');
    expect(controller.process.logs()).not.toMatch(/unexpected error|TypeError/);
  });
});
