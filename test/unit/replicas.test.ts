import { describe, expect, it } from 'vitest';

import {
  canaryReplicasForWeight,
  nextReplicas,
  surgeCount,
  targetReplicas,
  unavailableCount,
} from '../../src/decide/replicas.js';
import { canaryScaleAt, weightAt } from '../../src/decide/steps.js';
import { canonicalJson, podTemplateHash, templateCovers } from '../../src/decide/hash.js';

describe('surge and unavailable counts', () => {
  it.each([
    [undefined, 4, 1, 1],
    ['25%', 5, 2, 1],
    ['50%', 3, 2, 1],
    [2, 10, 2, 2],
    ['0%', 10, 0, 0],
    ['3', 10, 3, 3],
  ])('%j of %d replicas: surge %d, unavailable %d', (value, replicas, surge, unavailable) => {
    expect(surgeCount(value, replicas)).toBe(surge);
    expect(unavailableCount(value, replicas)).toBe(unavailable);
  });
});

describe('canaryReplicasForWeight', () => {
  it.each([
    [5, 0, 0],
    [5, 20, 1],
    [5, 40, 2],
    [5, 60, 3],
    [5, 100, 5],
    [10, 1, 1],
    [3, 50, 2],
    [1, 10, 1],
  ])('%d replicas at %d%% → %d canary pods', (replicas, weight, pods) => {
    expect(canaryReplicasForWeight(replicas, weight)).toBe(pods);
  });
});

describe('targetReplicas', () => {
  it.each([
    [
      { replicas: 5, weight: 20, trafficRouted: false },
      { canary: 1, stable: 4 },
    ],
    [
      { replicas: 5, weight: 20, trafficRouted: true },
      { canary: 1, stable: 5 },
    ],
    [
      { replicas: 4, weight: 20, trafficRouted: true, canaryScale: { weight: 50 } },
      { canary: 2, stable: 4 },
    ],
    [
      { replicas: 4, weight: 20, trafficRouted: true, canaryScale: { replicas: 3 } },
      { canary: 3, stable: 4 },
    ],
    [
      { replicas: 4, weight: 100, trafficRouted: false },
      { canary: 4, stable: 0 },
    ],
  ])('%j → %j', (opts, target) => {
    expect(targetReplicas(opts)).toEqual(target);
  });
});

describe('nextReplicas (rolling within maxSurge / maxUnavailable)', () => {
  const side = (spec: number, available = spec) => ({ spec, available });
  it.each([
    [
      'grows the canary by the surge budget',
      1,
      0,
      side(0),
      side(4),
      { canary: 2, stable: 2 },
      { canary: 1, stable: 4 },
    ],
    [
      'shrinks stable only as the canary becomes available',
      1,
      0,
      side(1, 0),
      side(4),
      { canary: 2, stable: 2 },
      { canary: 1, stable: 4 },
    ],
    [
      'then shrinks stable once the canary is up',
      1,
      0,
      side(1),
      side(4),
      { canary: 2, stable: 2 },
      { canary: 1, stable: 3 },
    ],
    [
      'uses maxUnavailable when there is no surge',
      0,
      1,
      side(0),
      side(4),
      { canary: 2, stable: 2 },
      { canary: 0, stable: 3 },
    ],
    [
      'removes not-ready pods without counting them',
      0,
      0,
      side(2, 0),
      side(4),
      { canary: 0, stable: 4 },
      { canary: 0, stable: 4 },
    ],
    [
      'scales stable back up on abort within the surge',
      1,
      1,
      side(2),
      side(2),
      { canary: 0, stable: 4 },
      { canary: 1, stable: 3 },
    ],
    [
      'stays put at the target',
      1,
      1,
      side(1),
      side(3),
      { canary: 1, stable: 3 },
      { canary: 1, stable: 3 },
    ],
  ])('%s', (_what, maxSurge, maxUnavailable, canary, stable, target, expected) => {
    expect(nextReplicas({ replicas: 4, maxSurge, maxUnavailable, canary, stable, target })).toEqual(
      expected,
    );
  });

  it('always reaches the target when pods become available', () => {
    let canary = { spec: 0, available: 0 };
    let stable = { spec: 10, available: 10 };
    const target = { canary: 10, stable: 0 };
    for (let i = 0; i < 40 && (canary.spec !== 10 || stable.spec !== 0); i++) {
      const next = nextReplicas({
        replicas: 10,
        maxSurge: 3,
        maxUnavailable: 2,
        canary,
        stable,
        target,
      });
      expect(next.canary + next.stable).toBeLessThanOrEqual(13);
      expect(
        Math.min(canary.available, next.canary) + Math.min(stable.available, next.stable),
      ).toBeGreaterThanOrEqual(8);
      canary = { spec: next.canary, available: next.canary };
      stable = { spec: next.stable, available: next.stable };
    }
    expect([canary.spec, stable.spec]).toEqual([10, 0]);
  });
});

describe('step arithmetic', () => {
  const steps = [
    { setWeight: 20 },
    { pause: {} },
    { setCanaryScale: { replicas: 2 } },
    { setWeight: 60 },
    { setCanaryScale: { matchTrafficWeight: true } },
  ];
  it.each([
    [-1, 0],
    [0, 20],
    [1, 20],
    [2, 20],
    [3, 60],
    [4, 60],
    [9, 60],
  ])('weight at step %d is %d', (index, weight) => {
    expect(weightAt(steps, index)).toBe(weight);
  });

  it.each([
    [1, undefined],
    [2, { replicas: 2 }],
    [3, { replicas: 2 }],
    [4, undefined],
  ])('canary scale at step %d is %j', (index, scale) => {
    expect(canaryScaleAt(steps, index)).toEqual(scale);
  });
});

describe('pod template hash', () => {
  const template = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'web:1' }] },
  };
  it('ignores key order and the hash label itself', () => {
    const reordered = {
      spec: { containers: [{ image: 'web:1', name: 'web' }] },
      metadata: { labels: { 'rollouts-pod-template-hash': 'x', app: 'web' } },
    };
    expect(podTemplateHash(reordered)).toBe(podTemplateHash(template));
  });

  it('changes with the image and with the collision count', () => {
    const v2 = { ...template, spec: { containers: [{ name: 'web', image: 'web:2' }] } };
    expect(podTemplateHash(v2)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template, 1)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  });

  it('serialises canonically', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
  });
});

describe('templateCovers (adopting a ReplicaSet hashed by another controller)', () => {
  const rollout = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'web:1' }] },
  };
  const defaulted = {
    metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': '6d4f8c' } },
    spec: {
      containers: [{ name: 'web', image: 'web:1', terminationMessagePath: '/dev/termination-log' }],
      dnsPolicy: 'ClusterFirst',
    },
  };
  it.each([
    ['the server-defaulted copy of the same template', defaulted, true],
    [
      'another image',
      { ...defaulted, spec: { containers: [{ name: 'web', image: 'web:2' }] } },
      false,
    ],
    [
      'an extra container',
      {
        ...defaulted,
        spec: { containers: [...defaulted.spec.containers, { name: 'side', image: 's' }] },
      },
      false,
    ],
  ])('%s: %s', (_what, rsTemplate, expected) => {
    expect(templateCovers(rsTemplate, rollout)).toBe(expected);
  });
});
