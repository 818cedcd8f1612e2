// Blue-green on the local control plane: the active Service moves only to an available stack, a
// promotion gate holds until promote, auto-promotion survives a controller restart, abort keeps
// production on v1, and a Service problem is a clear condition that leaves other rollouts alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { rawRequest } from '../../src/kube/raw.js';
import { startController, type ControllerProcess } from '../support/controller.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
let controller: ControllerProcess;

const hashLabel = 'rollouts-pod-template-hash';
/** A node label only this file uses: pods that require it stay Pending until the node gets it. */
const gateLabel = `ramp.dev/${ns.name}`;

function blueGreenRollout(name: string, image: string, blueGreen: Record<string, unknown> = {}) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
      strategy: {
        blueGreen: {
          activeService: `${name}-active`,
          previewService: `${name}-preview`,
          scaleDownDelaySeconds: 3,
          abortScaleDownDelaySeconds: 3,
          ...blueGreen,
        },
      },
    },
  };
}

async function createServices(app: string, names = ['active', 'preview']): Promise<void> {
  for (const role of names)
    await ns.core.createNamespacedService({
      namespace: ns.name,
      body: {
        metadata: { name: `${app}-${role}` },
        spec: { selector: { app }, ports: [{ port: 80 }] },
      },
    });
}

async function selector(service: string): Promise<string | undefined> {
  const svc = await ns.core.readNamespacedService({ name: service, namespace: ns.name });
  return svc.spec?.selector?.[hashLabel];
}

async function setImage(app: string, image: string, extra: Record<string, unknown> = {}) {
  await rollouts.patchSpec(app, {
    spec: { template: { spec: { containers: [{ name: 'app', image }], ...extra } } },
  });
}

async function replicaSetSize(app: string, hash: string): Promise<number | undefined> {
  const list = await ns.apps.listNamespacedReplicaSet({
    namespace: ns.name,
    labelSelector: `${hashLabel}=${hash}`,
  });
  return list.items[0]?.spec?.replicas;
}

async function healthyAt(app: string): Promise<string> {
  const r = await rollouts.waitUntil(app, 'Healthy', (r) => r.status?.phase === 'Healthy');
  return r.status!.stableRS!;
}

beforeAll(async () => {
  await installRampCrds(ns.kc);
  controller = startController(ns.name);
}, 300_000);

afterAll(async () => {
  await controller?.stop();
  await labelNode(null);
});

/** Sets (or removes) this file's gate label on the fake node. */
async function labelNode(value: string | null): Promise<void> {
  const [node] = (await ns.core.listNode()).items;
  await rawRequest(ns.kc, {
    method: 'PATCH',
    path: `/api/v1/nodes/${node!.metadata!.name!}`,
    body: { metadata: { labels: { [gateLabel]: value } } },
    contentType: 'application/merge-patch+json',
  });
}

describe('blue-green', () => {
  it('holds v2 in preview until promote, then switches active and scales v1 down after the delay', async () => {
    const app = 'bg-manual';
    await createServices(app);
    await rollouts.create(blueGreenRollout(app, 'app:1', { autoPromotionEnabled: false }));
    const v1 = await healthyAt(app);
    expect(await selector(`${app}-active`)).toBe(v1);

    await setImage(app, 'app:2');
    const paused = await rollouts.waitUntil(
      app,
      'paused with v2 in preview',
      (r) => r.status?.phase === 'Paused' && r.status.blueGreen?.previewSelector !== v1,
    );
    const v2 = paused.status!.currentPodHash!;
    expect(paused.status?.pauseConditions?.[0]?.reason).toBe('BlueGreenPause');
    expect(await selector(`${app}-preview`)).toBe(v2);
    expect(await selector(`${app}-active`)).toBe(v1);

    await rollouts.promote(app);
    await rollouts.waitUntil(app, 'v2 stable', (r) => r.status?.stableRS === v2);
    expect(await selector(`${app}-active`)).toBe(v2);
    await waitFor(
      'v1 scaled down after scaleDownDelaySeconds',
      async () => (await replicaSetSize(app, v1)) === 0,
    );
  });

  it('never points active at pods that are not Ready', async () => {
    const app = 'bg-unready';
    await createServices(app);
    await rollouts.create(blueGreenRollout(app, 'app:1'));
    const v1 = await healthyAt(app);

    // v2's pods can only run on a node with the gate label: they stay Pending, never Ready.
    await setImage(app, 'app:2', { nodeSelector: { [gateLabel]: 'open' } });
    const started = await rollouts.waitUntil(
      app,
      'v2 ReplicaSet scaled up',
      (r) => r.status?.currentPodHash !== v1 && (r.status?.replicas ?? 0) > 2,
    );
    const v2 = started.status!.currentPodHash!;
    for (let i = 0; i < 12; i++) {
      expect(await selector(`${app}-active`)).toBe(v1);
      expect(await selector(`${app}-preview`)).toBe(v1);
      await new Promise((r) => setTimeout(r, 250));
    }

    await labelNode('open');
    await rollouts.waitUntil(app, 'v2 promoted once Ready', (r) => r.status?.stableRS === v2);
    expect(await selector(`${app}-active`)).toBe(v2);
  });

  it('promotes after autoPromotionSeconds, and a controller restart does not reset the clock', async () => {
    const app = 'bg-auto';
    await createServices(app);
    await rollouts.create(blueGreenRollout(app, 'app:1', { autoPromotionSeconds: 6 }));
    const v1 = await healthyAt(app);

    await setImage(app, 'app:2');
    const paused = await rollouts.waitUntil(app, 'paused', (r) => r.status?.phase === 'Paused');
    const pauseStart = paused.status!.pauseConditions![0]!.startTime;
    const pausedAt = Date.parse(pauseStart);
    // Down for longer than autoPromotionSeconds: the promotion is due the moment it is back.
    await controller.kill();
    await new Promise((r) => setTimeout(r, 7_000));
    const restartedAt = Date.now();
    controller = startController(ns.name);

    const promoted = await rollouts.waitUntil(
      app,
      'promoted on its own',
      (r) => r.status?.stableRS !== v1 && r.status?.phase === 'Healthy',
    );
    expect(await selector(`${app}-active`)).toBe(promoted.status?.stableRS);
    const events = await ns.core.listNamespacedEvent({ namespace: ns.name });
    const resumed = events.items.find(
      (e) => e.involvedObject.name === app && e.reason === 'RolloutResumed',
    );
    const resumedAt = Date.parse(String(resumed?.eventTime ?? resumed?.lastTimestamp ?? ''));
    // The clock ran from the pause recorded in status: not before it was due, and not restarted
    // from zero when the controller came back. A reset clock would resume 6 s after the new
    // controller leads, and it leads only after watching the old Lease stand still for 2 s.
    expect(resumedAt).toBeGreaterThanOrEqual(pausedAt + 6_000 - 1_000);
    expect(resumedAt).toBeLessThan(restartedAt + 7_000);
  });

  it('abort before promotion keeps active on v1 and Degraded; retry starts over', async () => {
    const app = 'bg-abort';
    await createServices(app);
    await rollouts.create(blueGreenRollout(app, 'app:1', { autoPromotionEnabled: false }));
    const v1 = await healthyAt(app);
    await setImage(app, 'app:2');
    const paused = await rollouts.waitUntil(app, 'paused', (r) => r.status?.phase === 'Paused');
    const v2 = paused.status!.currentPodHash!;

    await rollouts.patchStatus(app, { status: { abort: true } });
    const aborted = await rollouts.waitUntil(
      app,
      'Degraded',
      (r) => r.status?.phase === 'Degraded',
    );
    expect(aborted.status?.message).toMatch(/^RolloutAborted/);
    expect(await selector(`${app}-active`)).toBe(v1);
    expect(await selector(`${app}-preview`)).toBe(v2);
    await waitFor(
      'v2 scaled down after abortScaleDownDelaySeconds',
      async () => (await replicaSetSize(app, v2)) === 0,
    );

    await rollouts.patchStatus(app, { status: { abort: false } });
    await rollouts.waitUntil(app, 'paused again after retry', (r) => r.status?.phase === 'Paused');
    expect(await replicaSetSize(app, v2)).toBe(2);
    expect(await selector(`${app}-active`)).toBe(v1);
  });

  it('a missing or shared Service is a clear condition and other rollouts carry on', async () => {
    const missing = 'bg-missing';
    await createServices(missing, ['preview']);
    await rollouts.create(blueGreenRollout(missing, 'app:1'));
    const invalid = await rollouts.waitUntil(missing, 'InvalidSpec', (r) =>
      Boolean(r.status?.conditions?.some((c) => c.type === 'InvalidSpec')),
    );
    expect(invalid.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toBe(
      `The Rollout "${missing}" is invalid: spec.strategy.blueGreen.activeService: Service "${missing}-active" not found`,
    );
    expect(invalid.status?.phase).toBe('Degraded');

    // A second Rollout naming the first one's active Service is refused, not obeyed.
    const thief = blueGreenRollout('bg-thief', 'app:1');
    thief.spec.strategy.blueGreen.activeService = 'bg-manual-active';
    thief.spec.strategy.blueGreen.previewService = 'bg-thief-preview';
    await createServices('bg-thief', ['preview']);
    await rollouts.create(thief);
    const refused = await rollouts.waitUntil('bg-thief', 'InvalidSpec', (r) =>
      Boolean(r.status?.conditions?.some((c) => c.type === 'InvalidSpec')),
    );
    expect(refused.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      'is managed by another Rollout ("bg-manual")',
    );

    // Fixing the missing Service lets that rollout go on.
    await createServices(missing, ['active']);
    await healthyAt(missing);
  });
});
