import { describe, expect, it } from 'vitest';

import type { Rollout } from '../../src/api/rollout.js';
import { pendingRestart, withRestart } from '../../src/decide/restart.js';
import type { ReplicaSetFacts, RolloutPlan } from '../../src/decide/rollout-plan.js';

const now = Date.parse('2026-11-29T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const rollout = (restartAt?: string, restartedAt?: string): Rollout => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web' },
  spec: { ...(restartAt ? { restartAt } : {}) },
  status: restartedAt ? { restartedAt } : {},
});
const rs = (over: Partial<ReplicaSetFacts> = {}): ReplicaSetFacts => ({
  name: 'web-a',
  podHash: 'a',
  revision: 1,
  template: {},
  specReplicas: 2,
  replicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  observed: true,
  ...over,
});
const plan: RolloutPlan = { status: { phase: 'Healthy' }, actions: [] };

describe('pendingRestart', () => {
  it.each([
    ['no restartAt', rollout(), undefined],
    ['a restartAt in the future', rollout(iso(now + 1000)), undefined],
    ['a restartAt already done', rollout(iso(now - 1000), iso(now - 1000)), undefined],
    ['a restartAt not done yet', rollout(iso(now - 1000), iso(now - 5000)), now - 1000],
  ])('%s', (_what, ro, expected) => {
    expect(pendingRestart({ rollout: ro, now })).toBe(expected);
  });
});

describe('withRestart', () => {
  const facts = (over: Partial<ReplicaSetFacts> = {}) => ({
    rollout: rollout(iso(now - 1000)),
    now,
    routed: false,
    replicaSets: [rs(over)],
  });
  it('deletes the oldest pod created before restartAt, one per pass', () => {
    const pods = [
      { name: 'p2', created: now - 2000 },
      { name: 'p1', created: now - 3000 },
      { name: 'p3', created: now },
    ];
    expect(withRestart(plan, facts(), pods).actions).toEqual([{ kind: 'deletePod', name: 'p1' }]);
  });

  it('waits while a ReplicaSet is not fully available', () => {
    const pods = [{ name: 'p1', created: now - 3000 }];
    expect(withRestart(plan, facts({ availableReplicas: 1 }), pods).actions).toEqual([]);
  });

  it('records restartedAt once every pod is newer', () => {
    const result = withRestart(plan, facts(), [{ name: 'p3', created: now }]);
    expect(result.status.restartedAt).toBe(facts().rollout.spec.restartAt);
    expect(result.actions).toEqual([]);
  });

  it('does nothing while the rollout itself is changing things', () => {
    const busy: RolloutPlan = {
      ...plan,
      actions: [{ kind: 'scaleReplicaSet', name: 'web-a', replicas: 3 }],
    };
    expect(withRestart(busy, facts(), [{ name: 'p1', created: now - 3000 }])).toBe(busy);
  });
});
