// The canary planner driven through whole rollouts in memory: each pass's actions are applied to
// simulated ReplicaSets whose pods become available at once (a pure simulation of the cluster).
import { describe, expect, it } from 'vitest';

import type { Rollout } from '../../src/api/rollout.js';
import { statusMergePatch } from '../../src/decide/status-patch.js';
import { template, World } from './plan-world.js';

function rollout(image: string, steps: unknown[], extra: Record<string, unknown> = {}): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'ns', generation: 1 },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: 'web' } },
      template: template(image),
      strategy: { canary: { steps: steps as never, ...extra } },
    },
  };
}

const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: 5 } }];

describe('planCanary', () => {
  it('deploys the first revision at full size and is Healthy', () => {
    const w = new World(rollout('web:1', steps));
    w.settle();
    expect(w.sizes()).toEqual([5]);
    expect(w.ro.status).toMatchObject({
      phase: 'Healthy',
      currentStepIndex: 4,
      stableRS: w.rss[0]!.podHash,
      currentPodHash: w.rss[0]!.podHash,
    });
  });

  it('walks v1 → v2 through weights, pauses, promote and completion (replica ratio)', () => {
    const w = new World(rollout('web:1', steps));
    w.settle();
    w.update('web:2');
    w.settle();
    expect(w.sizes()).toEqual([4, 1]);
    expect(w.ro.status).toMatchObject({
      phase: 'Paused',
      currentStepIndex: 1,
      message: 'CanaryPauseStep',
    });
    expect(w.ro.status?.pauseConditions?.[0]?.reason).toBe('CanaryPauseStep');

    // promote, as the kubectl plugin does it: clear the pause conditions
    w.ro = { ...w.ro, status: { ...w.ro.status, pauseConditions: [] } };
    w.settle();
    expect(w.sizes()).toEqual([2, 3]);
    expect(w.ro.status).toMatchObject({ phase: 'Paused', currentStepIndex: 3 });

    w.now += 5_000;
    w.settle();
    expect(w.sizes()).toEqual([0, 5]);
    expect(w.ro.status).toMatchObject({
      phase: 'Healthy',
      currentStepIndex: 4,
      stableRS: w.rss[1]!.podHash,
    });
    expect(w.events).toEqual(
      expect.arrayContaining([
        'RolloutStepCompleted',
        'RolloutPaused',
        'RolloutResumed',
        'RolloutCompleted',
      ]),
    );
  });

  it('asks to be woken when a timed pause ends', () => {
    const w = new World(rollout('web:1', [{ pause: { duration: '90s' } }]));
    w.settle();
    w.update('web:2');
    const plan = w.pass();
    expect(plan.requeueAfterMs).toBe(90_000);
  });

  it('aborts at once to the stable side and restarts the steps on retry', () => {
    const w = new World(rollout('web:1', steps));
    w.settle();
    w.update('web:2');
    w.settle();
    w.ro = { ...w.ro, status: { ...w.ro.status, abort: true } };
    w.settle();
    expect(w.sizes()).toEqual([5, 0]);
    expect(w.ro.status).toMatchObject({ phase: 'Degraded', abort: true });
    expect(w.ro.status?.message).toContain('RolloutAborted');
    expect(w.ro.status?.abortedAt).toBeDefined();

    w.ro = { ...w.ro, status: { ...w.ro.status, abort: false } };
    w.settle();
    expect(w.events).toContain('RolloutRetry');
    expect(w.ro.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1 });
    expect(w.ro.status?.abortedAt).toBeUndefined();
    expect(w.sizes()).toEqual([4, 1]);
  });

  it('with a router: weight moves on the router, the stable side keeps full size, old RS waits out the delay', () => {
    const routing = {
      canaryService: 'web-canary',
      stableService: 'web-stable',
      trafficRouting: { nginx: { stableIngress: 'web' } },
    };
    const w = new World(rollout('web:1', steps, routing), true);
    w.settle();
    w.update('web:2');
    w.settle();
    expect(w.weight).toBe(20);
    expect(w.sizes()).toEqual([5, 1]);
    expect(w.ro.status?.canary?.weights).toMatchObject({
      canary: { weight: 20, serviceName: 'web-canary' },
      stable: { weight: 80 },
      verified: true,
    });
    w.ro = { ...w.ro, status: { ...w.ro.status, promoteFull: true } };
    w.settle();
    expect(w.weight).toBe(0);
    expect(w.sizes()).toEqual([5, 5]);
    expect(w.ro.status?.promoteFull).toBe(false);
    expect(w.ro.status?.phase).toBe('Progressing');
    w.now += 30_000;
    w.settle();
    expect(w.sizes()).toEqual([0, 5]);
    expect(w.ro.status?.phase).toBe('Healthy');
  });

  it('with a router, abort moves traffic at once and scales the canary down after abortScaleDownDelaySeconds', () => {
    const routing = {
      canaryService: 'c',
      stableService: 's',
      abortScaleDownDelaySeconds: 10,
      trafficRouting: { nginx: { stableIngress: 'web' } },
    };
    const w = new World(rollout('web:1', steps, routing), true);
    w.settle();
    w.update('web:2');
    w.settle();
    expect(w.sizes()).toEqual([5, 1]);
    w.ro = { ...w.ro, status: { ...w.ro.status, abort: true } };
    // The weight goes to 0 at once and is read back shortly; the canary waits out its delay.
    expect(w.pass().requeueAfterMs).toBe(500);
    w.settle();
    expect(w.weight).toBe(0);
    expect(w.sizes()).toEqual([5, 1]);
    expect(w.pass().requeueAfterMs).toBe(10_000);
    w.now += 10_000;
    w.settle();
    expect(w.sizes()).toEqual([5, 0]);
    w.ro = { ...w.ro, status: { ...w.ro.status, abort: false } };
    w.settle();
    expect(w.sizes()).toEqual([5, 1]);
    expect(w.rss[1]!.scaleDownDeadline).toBeUndefined();
  });

  it('a template changed back reuses its ReplicaSet under the next revision number (undo)', () => {
    const w = new World(rollout('web:1', [{ setWeight: 50 }]));
    w.settle();
    w.update('web:2');
    w.settle();
    expect(w.rss.map((rs) => rs.revision)).toEqual([1, 2]);
    w.update('web:1');
    w.settle();
    expect(w.rss).toHaveLength(2);
    expect(w.rss.map((rs) => rs.revision)).toEqual([3, 2]);
    expect(w.ro.status?.phase).toBe('Healthy');
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', () => {
    const w = new World({
      ...rollout('web:1', [{ setWeight: 50 }]),
      spec: { ...rollout('web:1', [{ setWeight: 50 }]).spec, revisionHistoryLimit: 1 },
    });
    w.settle();
    for (const image of ['web:2', 'web:3', 'web:4']) {
      w.update(image);
      w.settle();
    }
    expect(
      w.rss.map((rs) => [
        (rs.template as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image,
        rs.specReplicas,
      ]),
    ).toEqual([
      ['web:3', 0],
      ['web:4', 5],
    ]);
  });

  it('times out after progressDeadlineSeconds without progress, and aborts with progressDeadlineAbort', () => {
    const base = rollout('web:1', [{ setWeight: 20 }, { pause: {} }]);
    const w = new World({
      ...base,
      spec: { ...base.spec, progressDeadlineSeconds: 60, progressDeadlineAbort: true },
    });
    w.settle();
    w.update('web:2');
    w.pass();
    w.stuck.add(w.ro.status!.currentPodHash!);
    w.settle();
    expect(w.ro.status?.phase).toBe('Progressing');
    w.now += 61_000;
    w.pass();
    expect(w.ro.status?.phase).toBe('Degraded');
    expect(w.ro.status?.message).toContain('ProgressDeadlineExceeded');
    expect(w.ro.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    expect(w.events).toContain('ProgressDeadlineExceeded');
    expect(w.ro.status?.abort).toBe(true);
    w.settle();
    expect(w.ro.status?.message).toContain('RolloutAborted');
    expect(w.sizes()).toEqual([5, 0]);
  });

  it.each([
    [undefined, [5, 5, 5]],
    [1, [0, 5, 5]],
    [0, [0, 0, 5]],
  ])(
    'with scaleDownDelayRevisionLimit %j, old ReplicaSets waiting out the delay: %j',
    (limit, sizes) => {
      const routing = {
        canaryService: 'c',
        stableService: 's',
        scaleDownDelaySeconds: 60,
        ...(limit === undefined ? {} : { scaleDownDelayRevisionLimit: limit }),
        trafficRouting: { nginx: { stableIngress: 'web' } },
      };
      const w = new World(rollout('web:1', [{ setWeight: 50 }], routing), true);
      w.settle();
      for (const image of ['web:2', 'web:3']) {
        w.update(image);
        w.ro = { ...w.ro, status: { ...w.ro.status, promoteFull: true } };
        w.settle();
      }
      expect(w.sizes()).toEqual(sizes);
    },
  );

  it('holds still while spec.paused is set', () => {
    const w = new World(rollout('web:1', [{ setWeight: 20 }, { setWeight: 40 }]));
    w.settle();
    w.ro = { ...w.ro, spec: { ...w.ro.spec, paused: true } };
    w.update('web:2');
    w.ro = { ...w.ro, spec: { ...w.ro.spec, paused: true } };
    w.settle();
    expect(w.ro.status).toMatchObject({ phase: 'Paused', currentStepIndex: 0 });
  });

  it('reports an invalid spec as InvalidSpec + Degraded and changes nothing', () => {
    const w = new World(rollout('web:1', [{ setWeight: 20, pause: {} }]));
    const plan = w.pass();
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'event', type: 'Warning', reason: 'InvalidSpec' }),
    ]);
    expect(w.ro.status?.phase).toBe('Degraded');
    expect(w.ro.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      'steps[0]',
    );
    expect(w.pass().actions).toEqual([]);
  });
});

describe('statusMergePatch', () => {
  it.each([
    [{ a: 1 }, { a: 1 }, undefined],
    [{ a: 1 }, { a: 2 }, { a: 2 }],
    [{ a: 1, abortedAt: 'x' }, { a: 1 }, { abortedAt: null }],
    [{ abort: true }, {}, undefined],
    [{ blueGreen: {} }, {}, undefined],
    [
      { canary: { weights: { a: 1 }, currentStepAnalysisRunStatus: { name: 'r' } } },
      { canary: { weights: { a: 1 } } },
      { canary: { currentStepAnalysisRunStatus: null } },
    ],
    [
      { canary: { weights: { a: 1 } } },
      { canary: { weights: { a: 2 } } },
      { canary: { weights: { a: 2 } } },
    ],
    [{ list: [1, 2] }, { list: [1] }, { list: [1] }],
  ])('%j → %j is %j', (prev, next, patch) => {
    expect(statusMergePatch(prev, next)).toEqual(patch);
  });
});
