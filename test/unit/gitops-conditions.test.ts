import { describe, expect, it } from 'vitest';

import type { GitOpsCondition } from '../../src/api/gitops.js';
import {
  conditionOf,
  isTrue,
  removeConditions,
  setCondition,
  type ConditionInput,
} from '../../src/decide/gitops/conditions.js';

const now = new Date('2026-03-01T12:00:00Z');
const earlier = '2026-03-01T11:00:00.000Z';

const cond = (
  type: string,
  status: GitOpsCondition['status'],
  reason = 'R',
  extra: Partial<GitOpsCondition> = {},
): GitOpsCondition => ({
  type,
  status,
  reason,
  message: `${type} ${status}`,
  lastTransitionTime: earlier,
  ...extra,
});

const input = (
  type: string,
  status: ConditionInput['status'],
  reason = 'New',
  message = 'new message',
): ConditionInput => ({ type, status, reason, message });

describe('setCondition', () => {
  it.each<
    [string, GitOpsCondition[] | undefined, ConditionInput, number | undefined, GitOpsCondition[]]
  >([
    [
      'adds to an absent list with the transition time now',
      undefined,
      input('Ready', 'True'),
      3,
      [{ ...input('Ready', 'True'), lastTransitionTime: now.toISOString(), observedGeneration: 3 }],
    ],
    [
      'adds a new type at the end, others untouched',
      [cond('Ready', 'True')],
      input('Healthy', 'False'),
      1,
      [
        cond('Ready', 'True'),
        {
          ...input('Healthy', 'False'),
          lastTransitionTime: now.toISOString(),
          observedGeneration: 1,
        },
      ],
    ],
    [
      'keeps the transition time when the status holds, updating reason and message',
      [cond('Ready', 'False', 'Old', { observedGeneration: 1 })],
      input('Ready', 'False', 'Other', 'other message'),
      2,
      [
        {
          ...input('Ready', 'False', 'Other', 'other message'),
          lastTransitionTime: earlier,
          observedGeneration: 2,
        },
      ],
    ],
    [
      'sets the transition time when the status changes',
      [cond('Ready', 'False')],
      input('Ready', 'True'),
      2,
      [{ ...input('Ready', 'True'), lastTransitionTime: now.toISOString(), observedGeneration: 2 }],
    ],
    [
      'Unknown to True is a transition',
      [cond('Ready', 'Unknown')],
      input('Ready', 'True'),
      2,
      [{ ...input('Ready', 'True'), lastTransitionTime: now.toISOString(), observedGeneration: 2 }],
    ],
    [
      'replaces in place, keeping the order',
      [cond('Reconciling', 'True'), cond('Ready', 'True'), cond('Healthy', 'True')],
      input('Ready', 'True', 'Same'),
      4,
      [
        cond('Reconciling', 'True'),
        { ...input('Ready', 'True', 'Same'), lastTransitionTime: earlier, observedGeneration: 4 },
        cond('Healthy', 'True'),
      ],
    ],
    [
      'without a generation no observedGeneration is written (not even the old one)',
      [cond('Ready', 'True', 'R', { observedGeneration: 7 })],
      input('Ready', 'True'),
      undefined,
      [{ ...input('Ready', 'True'), lastTransitionTime: earlier }],
    ],
  ])('%s', (_name, conditions, next, generation, expected) => {
    const before = structuredClone(conditions);
    expect(setCondition(conditions, next, now, generation)).toEqual(expected);
    expect(conditions).toEqual(before);
  });

  it('does not return the list it was given', () => {
    const list = [cond('Ready', 'True')];
    expect(setCondition(list, input('Ready', 'True'), now, 1)).not.toBe(list);
  });
});

describe('removeConditions', () => {
  it.each<[string, GitOpsCondition[] | undefined, string[], string[]]>([
    ['an absent list', undefined, ['Ready'], []],
    ['no types removes nothing', [cond('Ready', 'True')], [], ['Ready']],
    ['one type', [cond('Ready', 'True'), cond('Stalled', 'True')], ['Stalled'], ['Ready']],
    [
      'several types, order kept',
      [
        cond('Reconciling', 'True'),
        cond('Ready', 'True'),
        cond('Stalled', 'True'),
        cond('Healthy', 'True'),
      ],
      ['Reconciling', 'Stalled'],
      ['Ready', 'Healthy'],
    ],
    ['a type not present', [cond('Ready', 'True')], ['Stalled'], ['Ready']],
  ])('%s', (_name, conditions, types, expected) => {
    expect(removeConditions(conditions, ...types).map((c) => c.type)).toEqual(expected);
  });
});

describe('conditionOf and isTrue', () => {
  const list = [cond('Ready', 'True'), cond('Stalled', 'False'), cond('Healthy', 'Unknown')];
  it.each<[string, GitOpsCondition[] | undefined, string, GitOpsCondition | undefined, boolean]>([
    ['True', list, 'Ready', list[0], true],
    ['False', list, 'Stalled', list[1], false],
    ['Unknown', list, 'Healthy', list[2], false],
    ['missing type', list, 'Reconciling', undefined, false],
    ['absent list', undefined, 'Ready', undefined, false],
    ['empty list', [], 'Ready', undefined, false],
  ])('%s', (_name, conditions, type, expectedCondition, expectedTrue) => {
    expect(conditionOf(conditions, type)).toBe(expectedCondition);
    expect(isTrue(conditions, type)).toBe(expectedTrue);
  });
});
