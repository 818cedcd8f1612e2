import { describe, expect, it } from 'vitest';

import {
  parseSubscriptions,
  recipientsFor,
  splitRecipients,
  type Subscription,
} from '../../src/notify/subscriptions.js';

const p = 'notifications.argoproj.io/subscribe.';

describe('parseSubscriptions', () => {
  it.each<[string, Record<string, string>, Subscription[]]>([
    ['none', {}, []],
    [
      'trigger and service',
      { [`${p}on-rollout-completed.slack`]: 'deploys' },
      [{ trigger: 'on-rollout-completed', service: 'slack', recipients: ['deploys'] }],
    ],
    [
      'several recipients, blanks dropped',
      { [`${p}on-analysis-run-failed.slack`]: ' alerts ; ;team-a;' },
      [{ trigger: 'on-analysis-run-failed', service: 'slack', recipients: ['alerts', 'team-a'] }],
    ],
    [
      'webhook with no recipient',
      { [`${p}on-rollout-aborted.ci`]: '' },
      [{ trigger: 'on-rollout-aborted', service: 'ci', recipients: [] }],
    ],
    [
      'service only: the default triggers',
      { [`${p}teams`]: 'ops' },
      [{ trigger: '', service: 'teams', recipients: ['ops'] }],
    ],
    [
      'a service name with a dot keeps it',
      { [`${p}on-rollout-paused.team.alerts`]: 'x' },
      [{ trigger: 'on-rollout-paused', service: 'team.alerts', recipients: ['x'] }],
    ],
    [
      'other annotations and broken keys are ignored',
      {
        'rollout.argoproj.io/revision': '3',
        [`${p}`]: 'x',
        [`${p}.slack`]: 'x',
        [`${p}on-rollout-paused.`]: 'x',
      },
      [],
    ],
  ])('%s', (_name, annotations, expected) => {
    expect(parseSubscriptions(annotations)).toEqual(expected);
  });

  it('treats undefined annotations as none', () => {
    expect(parseSubscriptions(undefined)).toEqual([]);
  });

  it('splits recipients on ; only', () => {
    expect(splitRecipients('a,b; c')).toEqual(['a,b', 'c']);
  });
});

describe('recipientsFor (Rollout + Namespace merge)', () => {
  const rollout = parseSubscriptions({
    [`${p}on-analysis-run-failed.slack`]: 'team-a',
    [`${p}on-analysis-run-failed.ci`]: '',
    [`${p}on-rollout-completed.slack`]: 'deploys',
  });
  const namespace = parseSubscriptions({
    [`${p}on-analysis-run-failed.slack`]: 'team-a;oncall',
    [`${p}on-analysis-run-failed.teams`]: 'ops',
    [`${p}events`]: '',
  });
  const all = [...rollout, ...namespace];

  it.each<[string, string, string[], Record<string, string[]>]>([
    [
      'unites both sources, each recipient once',
      'on-analysis-run-failed',
      [],
      { slack: ['team-a', 'oncall'], ci: [], teams: ['ops'] },
    ],
    ['only what subscribes to the trigger', 'on-rollout-completed', [], { slack: ['deploys'] }],
    [
      'a service-only subscription follows the default triggers',
      'on-analysis-run-failed',
      ['on-analysis-run-failed'],
      { slack: ['team-a', 'oncall'], ci: [], teams: ['ops'], events: [] },
    ],
    ['nothing subscribed', 'on-rollout-updated', ['on-rollout-completed'], {}],
  ])('%s', (_name, trigger, defaults, expected) => {
    expect(Object.fromEntries(recipientsFor(trigger, all, defaults))).toEqual(expected);
  });
});
