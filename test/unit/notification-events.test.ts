import { describe, expect, it } from 'vitest';

import type { AnalysisRun } from '../../src/api/analysis.js';
import type { Rollout } from '../../src/api/rollout.js';
import { notificationsFor } from '../../src/decide/notification-events.js';
import type { ReplicaSetFacts, RolloutAction } from '../../src/decide/plan-common.js';

const template = (image: string) => ({ spec: { containers: [{ name: 'app', image }] } });
const rollout: Rollout = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'shop', uid: 'u1', annotations: { a: 'b' } },
  spec: {
    template: template('web:2'),
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }] } },
  },
};
const rs = (podHash: string, revision: number, image: string): ReplicaSetFacts => ({
  name: `web-${podHash}`,
  podHash,
  revision,
  template: template(image),
  specReplicas: 1,
  replicas: 1,
  readyReplicas: 1,
  availableReplicas: 1,
  observed: true,
});
const run = (phase: string): AnalysisRun => ({
  metadata: {
    name: 'web-new-2-1',
    labels: { 'rollouts-pod-template-hash': 'new' },
    creationTimestamp: '2026-11-29T12:00:00Z',
  },
  spec: {
    metrics: [{ name: 'success-rate', successCondition: 'result[0] >= 0.95', provider: {} }],
  },
  status: {
    phase,
    message: 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
    metricResults: [{ name: 'success-rate', phase, measurements: [{ phase, value: '[0.42]' }] }],
  },
});
const event = (reason: string): RolloutAction => ({
  kind: 'event',
  type: 'Warning',
  reason,
  message: `m-${reason}`,
});

function notify(reasons: string[], runs: AnalysisRun[] = []) {
  return notificationsFor({
    rollout,
    status: {
      currentPodHash: 'new',
      stableRS: 'old',
      currentStepIndex: 1,
      canary: {
        weights: {
          canary: { weight: 20, podTemplateHash: 'new' },
          stable: { weight: 80, podTemplateHash: 'old' },
        },
      },
    },
    actions: [...reasons.map(event), { kind: 'deleteReplicaSet', name: 'x' }],
    replicaSets: [rs('old', 1, 'web:1'), rs('new', 2, 'web:2')],
    runs,
    now: Date.parse('2026-11-29T12:01:00Z'),
  });
}

describe('notificationsFor', () => {
  it.each([
    ['RolloutAborted', 'on-rollout-aborted'],
    ['RolloutPaused', 'on-rollout-paused'],
    ['RolloutCompleted', 'on-rollout-completed'],
    ['RolloutStepCompleted', 'on-rollout-step-completed'],
    ['RolloutUpdated', 'on-rollout-updated'],
    ['AnalysisRunFailed', 'on-analysis-run-failed'],
  ])('%s → %s', (reason, trigger) => {
    expect(notify([reason]).map((n) => n.trigger)).toEqual([trigger]);
  });

  it('ignores events no trigger listens to', () => {
    expect(notify(['ScalingReplicaSet', 'InvalidSpec'])).toEqual([]);
  });

  it('carries the payload an on-call person needs', () => {
    const [n] = notify(['AnalysisRunFailed'], [run('Failed')]);
    expect(n).toEqual({
      trigger: 'on-analysis-run-failed',
      rollout: { name: 'web', namespace: 'shop', uid: 'u1', annotations: { a: 'b' }, labels: {} },
      revision: 2,
      message: 'm-AnalysisRunFailed',
      images: { stable: 'web:1', canary: 'web:2' },
      step: { index: 1, count: 3 },
      weights: { canary: 20, stable: 80 },
      analysis: {
        runName: 'web-new-2-1',
        metricName: 'success-rate',
        value: '[0.42]',
        condition: 'result[0] >= 0.95',
        message: 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
      },
      time: '2026-11-29T12:01:00.000Z',
    });
  });

  it('takes the revision of a ReplicaSet this pass creates (not in the cache yet)', () => {
    const [n] = notificationsFor({
      rollout,
      status: { currentPodHash: 'newer', stableRS: 'old' },
      actions: [
        {
          kind: 'createReplicaSet',
          name: 'web-newer',
          podHash: 'newer',
          template: template('web:3'),
          replicas: 0,
          revision: 3,
        },
        event('RolloutUpdated'),
      ],
      replicaSets: [rs('old', 1, 'web:1')],
      runs: [],
      now: 0,
    });
    expect(n?.revision).toBe(3);
  });

  it('names when an abort happened, so a second abort in the same step is told again', () => {
    const [n] = notificationsFor({
      rollout,
      status: { currentPodHash: 'new', stableRS: 'old', abortedAt: '2026-11-29T12:00:00Z' },
      actions: [event('RolloutAborted')],
      replicaSets: [rs('old', 1, 'web:1'), rs('new', 2, 'web:2')],
      runs: [],
      now: 0,
    });
    expect(n?.occurrence).toBe('2026-11-29T12:00:00Z');
  });

  it('an errored run is on-analysis-run-error', () => {
    expect(notify(['AnalysisRunFailed'], [run('Error')])[0]?.trigger).toBe('on-analysis-run-error');
  });
});
