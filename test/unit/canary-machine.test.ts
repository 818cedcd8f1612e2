import { describe, expect, it } from 'vitest';

import type { CanaryStep } from '../../src/api/rollout.js';
import {
  decideCanary,
  type CanaryObservation,
  type CanaryStatusFacts,
} from '../../src/machines/canary.js';

const steps: CanaryStep[] = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 60 },
  { pause: { duration: '5s' } },
];
const t0 = Date.parse('2026-11-29T12:00:00Z');

const facts = (over: Partial<CanaryStatusFacts> = {}): CanaryStatusFacts => ({
  steps,
  currentStepIndex: 0,
  pauseConditions: [],
  abortHandled: false,
  controllerPause: false,
  ...over,
});
const obs = (over: Partial<CanaryObservation> = {}): CanaryObservation => ({
  now: t0,
  stepReady: false,
  abort: false,
  paused: false,
  promoteFull: false,
  pauseConditionPresent: false,
  ...over,
});
const pausedAt = (ms: number) => [
  { reason: 'CanaryPauseStep', startTime: new Date(ms).toISOString() },
];

describe('canary machine', () => {
  it.each<[string, CanaryStatusFacts, CanaryObservation, string, number, string[]]>([
    ['waits while the setWeight step is not in place', facts(), obs(), 'stepping', 0, []],
    [
      'advances once the weight is in place',
      facts(),
      obs({ stepReady: true }),
      'stepping',
      1,
      ['stepCompleted'],
    ],
    [
      'pauses at a pause step',
      facts({ currentStepIndex: 1 }),
      obs(),
      'pausedAtStep',
      1,
      ['paused'],
    ],
    [
      'stays paused until promoted',
      facts({ currentStepIndex: 1, pauseConditions: pausedAt(t0 - 3_600_000) }),
      obs({ pauseConditionPresent: true }),
      'pausedAtStep',
      1,
      [],
    ],
    [
      'moves on when promote clears the pause',
      facts({ currentStepIndex: 1, pauseConditions: pausedAt(t0) }),
      obs(),
      'stepping',
      2,
      ['resumed', 'stepCompleted'],
    ],
    [
      'moves on when a controller pause lost its condition to promote',
      facts({ currentStepIndex: 1, controllerPause: true }),
      obs(),
      'stepping',
      2,
      ['resumed', 'stepCompleted'],
    ],
    [
      'keeps a timed pause before it elapses',
      facts({ currentStepIndex: 3, pauseConditions: pausedAt(t0 - 4_999) }),
      obs({ pauseConditionPresent: true }),
      'pausedAtStep',
      3,
      [],
    ],
    [
      'ends a timed pause when it elapses',
      facts({ currentStepIndex: 3, pauseConditions: pausedAt(t0 - 5_000) }),
      obs({ pauseConditionPresent: true }),
      'stepping',
      4,
      ['resumed', 'stepCompleted'],
    ],
    ['completes after the last step', facts({ currentStepIndex: 4 }), obs(), 'completing', 4, []],
    [
      'finishes when the canary is fully up',
      facts({ currentStepIndex: 4 }),
      obs({ stepReady: true }),
      'completed',
      4,
      ['completed'],
    ],
    ['aborts from a step', facts(), obs({ abort: true }), 'aborted', 0, ['aborted']],
    [
      'aborts from a pause',
      facts({ currentStepIndex: 1, pauseConditions: pausedAt(t0) }),
      obs({ abort: true, pauseConditionPresent: true }),
      'aborted',
      1,
      ['aborted'],
    ],
    [
      'stays aborted while abort is set',
      facts({ currentStepIndex: 2, abortHandled: true }),
      obs({ abort: true }),
      'aborted',
      2,
      [],
    ],
    [
      'retry restarts from the first step',
      facts({ currentStepIndex: 2, abortHandled: true }),
      obs(),
      'stepping',
      0,
      ['retried'],
    ],
    [
      'promote --full skips the remaining steps',
      facts(),
      obs({ promoteFull: true }),
      'completing',
      4,
      [],
    ],
    [
      'promote --full ends a pause',
      facts({ currentStepIndex: 1, pauseConditions: pausedAt(t0) }),
      obs({ promoteFull: true, pauseConditionPresent: true }),
      'completing',
      4,
      ['resumed'],
    ],
    [
      'spec.paused holds the rollout where it is',
      facts(),
      obs({ paused: true, stepReady: true }),
      'stepping',
      0,
      [],
    ],
  ])('%s', (_what, f, o, state, index, emits) => {
    const decision = decideCanary(f, o);
    expect(decision.state).toBe(state);
    expect(decision.context.stepIndex).toBe(index);
    expect(decision.emits.map((e) => e.type)).toEqual(emits);
  });

  it('records when a pause started, so a restarted controller honours the same deadline', () => {
    const decision = decideCanary(facts({ currentStepIndex: 3 }), obs());
    expect(decision.context.pauseStartedAt).toBe(t0);
  });

  it('numbers completed steps the way Argo reports them (1-based, of total)', () => {
    const decision = decideCanary(facts({ currentStepIndex: 2 }), obs({ stepReady: true }));
    expect(decision.emits).toEqual([{ type: 'stepCompleted', params: { step: 3, of: 4 } }]);
  });

  it('resumes mid-rollout from status alone: same step, no repeated work', () => {
    // A pass, then a "restart": the second decision is made from the status the first one implied.
    const first = decideCanary(facts({ currentStepIndex: 1 }), obs());
    const restored = facts({
      currentStepIndex: first.context.stepIndex,
      pauseConditions: pausedAt(first.context.pauseStartedAt!),
    });
    const second = decideCanary(restored, obs({ now: t0 + 60_000, pauseConditionPresent: true }));
    expect(second.state).toBe('pausedAtStep');
    expect(second.context.stepIndex).toBe(1);
    expect(second.emits).toEqual([]);
  });
});
