// The blue-green planner driven through whole rollouts in the in-memory cluster.
import { describe, expect, it } from 'vitest';

import type { Rollout } from '../../src/api/rollout.js';
import { restoreBlueGreen, type BlueGreenStatusFacts } from '../../src/machines/bluegreen.js';
import { template, World } from './plan-world.js';

function rollout(blueGreen: Record<string, unknown> = {}): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'ns', generation: 1 },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: 'web' } },
      template: template('web:1'),
      strategy: {
        blueGreen: { activeService: 'active', previewService: 'preview', ...blueGreen },
      },
    },
  };
}

/** A world at v1, Healthy, with both Services on it; then v2 is applied. */
function updated(blueGreen: Record<string, unknown> = {}): { w: World; v1: string } {
  const w = new World(rollout(blueGreen));
  w.services = { active: {}, preview: {} };
  w.settle();
  const v1 = w.ro.status!.stableRS!;
  expect(w.services).toEqual({
    active: { selectorHash: v1, managedBy: 'web' },
    preview: { selectorHash: v1, managedBy: 'web' },
  });
  expect(w.ro.status?.phase).toBe('Healthy');
  w.update('web:2');
  return { w, v1 };
}

const promote = (w: World) => {
  w.ro = { ...w.ro, status: { ...w.ro.status, pauseConditions: [] } };
};
const abort = (w: World, value: boolean) => {
  w.ro = { ...w.ro, status: { ...w.ro.status, abort: value } };
};

describe('planBlueGreen', () => {
  it('holds a manual promotion gate: preview on v2, active on v1 until promote, v1 gone after the delay', () => {
    const { w, v1 } = updated({ autoPromotionEnabled: false, previewReplicaCount: 2 });
    w.settle();
    const v2 = w.ro.status!.currentPodHash!;
    expect(w.sizes()).toEqual([5, 2]);
    expect(w.services!.preview!.selectorHash).toBe(v2);
    expect(w.services!.active!.selectorHash).toBe(v1);
    expect(w.ro.status).toMatchObject({
      phase: 'Paused',
      message: 'BlueGreenPause',
      controllerPause: true,
      blueGreen: { activeSelector: v1, previewSelector: v2 },
    });
    expect(w.ro.status?.pauseConditions?.[0]?.reason).toBe('BlueGreenPause');

    promote(w);
    w.settle();
    expect(w.services!.active!.selectorHash).toBe(v2);
    expect(w.ro.status).toMatchObject({ stableRS: v2, phase: 'Healthy' });
    expect(w.ro.status?.blueGreen?.scaleUpPreviewCheckPoint).toBe(false);
    expect(w.sizes()).toEqual([5, 5]);
    w.now += 30_000;
    w.settle();
    expect(w.sizes()).toEqual([0, 5]);
    expect(w.events).toEqual(
      expect.arrayContaining(['RolloutPaused', 'RolloutResumed', 'RolloutCompleted']),
    );
  });

  it('never points active or preview at pods that are not available', () => {
    const { w, v1 } = updated();
    w.stuck.add(w.pass().status.currentPodHash!);
    w.settle();
    expect(w.sizes()).toEqual([5, 5]);
    expect(w.services!.active!.selectorHash).toBe(v1);
    expect(w.services!.preview!.selectorHash).toBe(v1);
    expect(w.ro.status?.phase).toBe('Progressing');
  });

  it('switches at once when auto-promotion is on and the new stack is available', () => {
    const { w } = updated();
    w.settle();
    const v2 = w.ro.status!.currentPodHash!;
    expect(w.services!.active!.selectorHash).toBe(v2);
    expect(w.ro.status).toMatchObject({ stableRS: v2, phase: 'Healthy' });
  });

  it('promotes on its own after autoPromotionSeconds, measured from the pause in status', () => {
    const { w, v1 } = updated({ autoPromotionSeconds: 10 });
    w.settle();
    expect(w.ro.status?.phase).toBe('Paused');
    const plan = w.pass();
    expect(plan.requeueAfterMs).toBe(10_000);
    w.now += 9_999;
    w.settle();
    expect(w.services!.active!.selectorHash).toBe(v1);
    w.now += 1;
    w.settle();
    expect(w.services!.active!.selectorHash).toBe(w.ro.status!.currentPodHash);
    expect(w.ro.status?.phase).toBe('Healthy');
  });

  it('ignores autoPromotionSeconds when autoPromotionEnabled is false (as Argo does)', () => {
    const { w } = updated({ autoPromotionEnabled: false, autoPromotionSeconds: 1 });
    w.settle();
    w.now += 60_000;
    w.settle();
    expect(w.ro.status?.phase).toBe('Paused');
  });

  it('abort before promotion keeps active on v1, scales v2 down after the delay; retry starts over', () => {
    const { w, v1 } = updated({ autoPromotionEnabled: false, abortScaleDownDelaySeconds: 10 });
    w.settle();
    const v2 = w.ro.status!.currentPodHash!;
    abort(w, true);
    w.settle();
    expect(w.ro.status).toMatchObject({ phase: 'Degraded', stableRS: v1 });
    expect(w.ro.status?.message).toMatch(/^RolloutAborted: /);
    expect(w.services!.active!.selectorHash).toBe(v1);
    expect(w.services!.preview!.selectorHash).toBe(v2);
    expect(w.sizes()).toEqual([5, 5]);
    w.now += 10_000;
    w.settle();
    expect(w.sizes()).toEqual([5, 0]);
    abort(w, false);
    w.settle();
    expect(w.sizes()).toEqual([5, 5]);
    expect(w.ro.status?.phase).toBe('Paused');
    expect(w.events).toEqual(expect.arrayContaining(['RolloutAborted', 'RolloutRetry']));
  });

  it('a failed post-promotion analysis moves active back to v1 and aborts', () => {
    const { w, v1 } = updated();
    w.analysis = { postPromotion: 'running' };
    w.settle();
    const v2 = w.ro.status!.currentPodHash!;
    expect(w.services!.active!.selectorHash).toBe(v2);
    expect(w.ro.status?.stableRS).toBe(v1);
    w.analysis = { postPromotion: 'failed' };
    w.settle();
    expect(w.services!.active!.selectorHash).toBe(v1);
    expect(w.ro.status).toMatchObject({ abort: true, phase: 'Degraded', stableRS: v1 });
    expect(w.events).toContain('AnalysisRunFailed');
  });

  it('a failed pre-promotion analysis aborts before the active Service moves', () => {
    const { w, v1 } = updated();
    w.analysis = { prePromotion: 'running' };
    w.settle();
    expect(w.services!.active!.selectorHash).toBe(v1);
    expect(w.ro.status?.phase).toBe('Progressing');
    w.analysis = { prePromotion: 'failed' };
    w.settle();
    expect(w.services!.active!.selectorHash).toBe(v1);
    expect(w.ro.status).toMatchObject({ abort: true, phase: 'Degraded' });
  });

  it.each([
    [{ preview: {} }, 'spec.strategy.blueGreen.activeService: Service "active" not found'],
    [
      { active: { managedBy: 'other' }, preview: {} },
      'spec.strategy.blueGreen.activeService: Service "active" is managed by another Rollout ("other")',
    ],
  ])('reports a Service problem %j as InvalidSpec without acting', (services, message) => {
    const w = new World(rollout());
    w.services = services;
    const plan = w.pass();
    expect(plan.actions.map((a) => a.kind)).toEqual(['event']);
    expect(w.ro.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toBe(
      `The Rollout "web" is invalid: ${message}`,
    );
  });
});

describe('restoreBlueGreen', () => {
  const base: BlueGreenStatusFacts = {
    context: { pauseStartedAt: undefined, autoPromotion: true, autoPromotionSeconds: undefined },
    abortHandled: false,
    pauseConditionPresent: false,
    controllerPause: false,
    promotionStarted: false,
    activeOnNew: false,
  };
  it.each([
    [{}, 'preview'],
    [{ pauseConditionPresent: true, controllerPause: true }, 'paused'],
    [{ controllerPause: true }, 'paused'],
    [{ promotionStarted: true }, 'promoting'],
    [{ promotionStarted: true, activeOnNew: true }, 'postPromotion'],
    [{ abortHandled: true, promotionStarted: true }, 'aborted'],
  ])('status %j restores to %s', (facts, state) => {
    expect(restoreBlueGreen({ ...base, ...facts }).value).toBe(state);
  });
});
