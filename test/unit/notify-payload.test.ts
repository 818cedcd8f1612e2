import { describe, expect, it } from 'vitest';

import { parseNotifyConfig } from '../../src/notify/config.js';
import {
  defaultMessage,
  eventFacts,
  eventReason,
  triggerSeverity,
  triggerTitle,
} from '../../src/notify/payload.js';
import { planDeliveries, slackApiCheck, type Planned } from '../../src/notify/plan.js';
import type { NotificationEvent } from '../../src/notify/types.js';

const event: NotificationEvent = {
  trigger: 'on-analysis-run-failed',
  rollout: { name: 'web', namespace: 'shop', uid: 'uid-1', annotations: {}, labels: {} },
  revision: 7,
  message: 'Analysis failed: metric success-rate assessed Failed',
  images: { stable: 'web:1.0', canary: 'web:1.1' },
  step: { index: 1, count: 4 },
  weights: { canary: 20, stable: 80 },
  analysis: {
    runName: 'web-7-1',
    metricName: 'success-rate',
    value: '0.91',
    condition: 'result[0] >= 0.95',
  },
  time: '2025-05-01T12:00:00Z',
};

const secret = {
  'slack-url': 'https://hooks.slack.com/services/T/B/SECRET',
  'slack-token': 'xoxb-SECRET',
  'teams-url': 'https://example.webhook.office.com/SECRET',
  'discord-url': 'https://discord.com/api/webhooks/1/SECRET',
  hmac: 'key',
};

const expectedFacts = [
  'shop',
  'web',
  '7',
  'web:1.0',
  'web:1.1',
  '2/4',
  'canary 20% / stable 80%',
  'success-rate',
  '0.91',
  'result[0] >= 0.95',
  'web-7-1',
  'prod-eu',
  '2025-05-01T12:00:00Z',
];

function plan(
  data: Record<string, string>,
  service: string,
  recipients: string[] = [],
  e: NotificationEvent = event,
): Planned[] {
  const { config, errors } = parseNotifyConfig(data, secret);
  expect(errors).toEqual([]);
  return planDeliveries({ event: e, clusterName: 'prod-eu', config }, service, recipients);
}

function httpBody(p: Planned | undefined): Record<string, unknown> {
  if (p?.kind !== 'http') throw new Error(`not an HTTP delivery: ${JSON.stringify(p)}`);
  return JSON.parse(p.request.body ?? '') as Record<string, unknown>;
}

function expectAllFacts(json: unknown): void {
  const text = JSON.stringify(json);
  for (const v of expectedFacts) expect(text).toContain(JSON.stringify(v).slice(1, -1));
}

describe('payload', () => {
  it.each<[string, string, string, string]>([
    ['on-analysis-run-failed', 'Analysis failed', 'AnalysisRunFailed', 'failure'],
    ['on-analysis-run-error', 'Analysis error', 'AnalysisRunError', 'failure'],
    ['on-rollout-aborted', 'Rollout aborted', 'RolloutAborted', 'failure'],
    ['on-rollout-paused', 'Rollout paused', 'RolloutPaused', 'warning'],
    ['on-rollout-completed', 'Rollout completed', 'RolloutCompleted', 'success'],
    ['on-rollout-step-completed', 'Rollout step completed', 'RolloutStepCompleted', 'info'],
    ['on-rollout-updated', 'Rollout updated', 'RolloutUpdated', 'info'],
    ['on-health-degraded', 'Health degraded', 'HealthDegraded', 'failure'],
    ['on-something-new', 'Something new', 'SomethingNew', 'info'],
  ])('%s: title, Event reason, severity', (trigger, title, reason, severity) => {
    expect(triggerTitle(trigger)).toBe(title);
    expect(eventReason(trigger)).toBe(reason);
    expect(triggerSeverity(trigger)).toBe(severity);
  });

  it('the built-in message names the rollout, step, metric verdict and the controller message', () => {
    expect(defaultMessage(event)).toBe(
      'Analysis failed: rollout shop/web revision 7, step 2/4. Metric success-rate = 0.91 ' +
        '(condition: result[0] >= 0.95) in AnalysisRun web-7-1. ' +
        'Analysis failed: metric success-rate assessed Failed',
    );
  });

  it('facts leave out what the event does not have', () => {
    const bare = { ...event, step: undefined, weights: undefined, analysis: undefined, images: {} };
    expect(eventFacts(bare, 'c').map((f) => f.name)).toEqual([
      'Rollout',
      'Namespace',
      'Revision',
      'Cluster',
      'Time',
    ]);
  });
});

describe('Slack', () => {
  it('incoming webhook: text, header block and a red attachment with every fact', () => {
    const [p] = plan({ 'service.slack': 'url: $slack-url' }, 'slack', ['ignored']);
    expect(p).toMatchObject({ kind: 'http', destination: 'https://hooks.slack.com' });
    if (p?.kind !== 'http') return;
    expect(p.request).toMatchObject({ url: secret['slack-url'], method: 'POST' });
    const body = httpBody(p);
    expect(body.text).toBe(defaultMessage(event));
    expect(body.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Analysis failed' } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: defaultMessage(event).replace('>=', '&gt;=') },
      },
    ]);
    const attachments = body.attachments as { color: string; blocks: { fields: unknown[] }[] }[];
    expect(attachments[0]!.color).toBe('#E01E5A');
    expect(attachments[0]!.blocks.map((b) => b.fields.length)).toEqual([10, 3]);
    expect(body).not.toHaveProperty('channel');
    expectAllFacts(body);
  });

  it('Web API: one message per channel with the bot token', () => {
    const planned = plan(
      { 'service.slack': 'token: $slack-token\nusername: ramp\nicon: ":rocket:"' },
      'slack',
      ['alerts', 'team-a'],
    );
    expect(planned.map((p) => httpBody(p).channel)).toEqual(['alerts', 'team-a']);
    const p = planned[0];
    if (p?.kind !== 'http') throw new Error('not http');
    expect(p.request.url).toBe('https://slack.com/api/chat.postMessage');
    expect(p.request.headers.Authorization).toBe('Bearer xoxb-SECRET');
    expect(p.secrets).toContain('xoxb-SECRET');
    expect(httpBody(p)).toMatchObject({ username: 'ramp', icon_emoji: ':rocket:' });
  });

  it('Web API without a channel is an error', () => {
    const [p] = plan({ 'service.slack': 'token: $slack-token' }, 'slack');
    expect(p).toMatchObject({ kind: 'error', service: 'slack' });
    if (p?.kind === 'error') expect(p.error).toMatch(/no Slack channel/);
  });

  it('template message and attachments replace the defaults; values are JSON-escaped', () => {
    const quoted = { ...event, analysis: { ...event.analysis!, value: 'NaN "oops"' } };
    const [p] = plan(
      {
        'service.slack': 'url: $slack-url',
        'template.t': [
          'message: "{{.rollout.metadata.name}} value {{.analysis.value}}"',
          'slack:',
          '  attachments: |',
          '    [{"title": "{{.analysis.value}}"}]',
        ].join('\n'),
        'trigger.on-analysis-run-failed': '- send: [t]',
      },
      'slack',
      [],
      quoted,
    );
    const body = httpBody(p);
    expect(body.text).toBe('web value NaN "oops"');
    expect(body.attachments).toEqual([{ title: 'NaN "oops"' }]);
  });

  it('a template field that is not JSON falls back to the default and says so', () => {
    const [p] = plan(
      {
        'service.slack': 'url: $slack-url',
        'template.t': 'slack:\n  blocks: "[not json"',
        'trigger.on-analysis-run-failed': '- send: [t]',
      },
      'slack',
    );
    if (p?.kind !== 'http') throw new Error('not http');
    expect(p.problems).toEqual([expect.stringMatching(/^blocks is not valid JSON/)]);
    expect((httpBody(p).blocks as unknown[]).length).toBe(2);
  });

  it.each<[string, string | undefined]>([
    ['{"ok":true}', undefined],
    ['not json', undefined],
    ['{"ok":false,"error":"channel_not_found"}', 'Slack answered channel_not_found|false'],
    ['{"ok":false,"error":"ratelimited"}', 'Slack answered ratelimited|true'],
  ])('Web API answer %s', (text, expected) => {
    const err = slackApiCheck(text);
    expect(err && `${err.message}|${err.retryable}`).toBe(expected);
  });
});

describe('Teams', () => {
  it('MessageCard with title, text, colour and every fact, per recipient URL', () => {
    const [p] = plan({ 'service.teams': 'recipientUrls:\n  ops: $teams-url' }, 'teams', ['ops']);
    if (p?.kind !== 'http') throw new Error('not http');
    expect(p.request.url).toBe(secret['teams-url']);
    const body = httpBody(p);
    expect(body).toMatchObject({
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      themeColor: 'E01E5A',
      summary: 'Analysis failed',
      title: 'Analysis failed',
      text: defaultMessage(event),
    });
    const facts = (body.sections as { facts: { name: string; value: string }[] }[])[0]!.facts;
    expect(facts).toContainEqual({ name: 'Value', value: '0.91' });
    expectAllFacts(body);
  });

  it('template title and facts', () => {
    const [p] = plan(
      {
        'service.teams': 'recipientUrls:\n  ops: $teams-url',
        'template.t': [
          'teams:',
          '  title: "{{.rollout.metadata.name}} failed"',
          '  facts: |',
          '    [{"name": "Value", "value": "{{.analysis.value}}"}]',
        ].join('\n'),
        'trigger.on-analysis-run-failed': '- send: [t]',
      },
      'teams',
      ['ops'],
    );
    const body = httpBody(p);
    expect(body.title).toBe('web failed');
    expect(body.sections).toEqual([{ facts: [{ name: 'Value', value: '0.91' }] }]);
  });

  it('an unknown recipient is an error naming it', () => {
    expect(
      plan({ 'service.teams': 'recipientUrls:\n  ops: $teams-url' }, 'teams', ['dev']),
    ).toEqual([
      { kind: 'error', service: 'teams', error: 'recipient "dev" is not in recipientUrls' },
    ]);
  });

  it('Teams Workflows: an Adaptive Card with a FactSet', () => {
    const [p] = plan(
      { 'service.teams-workflows': 'recipientUrls:\n  ops: $teams-url' },
      'teams-workflows',
      ['ops'],
    );
    const body = httpBody(p) as {
      type: string;
      attachments: { contentType: string; content: { type: string; body: { type: string }[] } }[];
    };
    expect(body.type).toBe('message');
    expect(body.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0]!.content.type).toBe('AdaptiveCard');
    expect(body.attachments[0]!.content.body.map((b) => b.type)).toEqual([
      'TextBlock',
      'TextBlock',
      'FactSet',
    ]);
    expectAllFacts(body);
  });
});

describe('Discord', () => {
  it('content plus one embed with inline fields and the severity colour', () => {
    const [p] = plan({ 'service.discord': 'url: $discord-url' }, 'discord');
    if (p?.kind !== 'http') throw new Error('not http');
    expect(p.request.url).toBe(secret['discord-url']);
    const body = httpBody(p) as {
      content: string;
      embeds: { title: string; color: number; fields: { name: string; inline: boolean }[] }[];
    };
    expect(body.content).toBe(defaultMessage(event));
    expect(body.embeds[0]).toMatchObject({ title: 'Analysis failed', color: 0xe01e5a });
    expect(body.embeds[0]!.fields.every((f) => f.inline)).toBe(true);
    expectAllFacts(body);
  });

  it('caps content at 2000 characters', () => {
    const long = { ...event, message: 'x'.repeat(5000) };
    const [p] = plan({ 'service.discord': 'url: $discord-url' }, 'discord', [], long);
    expect((httpBody(p).content as string).length).toBe(2000);
  });
});

describe('webhook', () => {
  it('default: POST of the JSON payload, signed with the key', () => {
    const [p] = plan(
      { 'service.webhook.ci': 'url: https://ci.example.com/x\nsecret: $hmac' },
      'ci',
    );
    if (p?.kind !== 'http') throw new Error('not http');
    expect(p.request).toMatchObject({ method: 'POST', signWith: 'key' });
    const body = httpBody(p);
    expect(body).toMatchObject({
      trigger: 'on-analysis-run-failed',
      severity: 'failure',
      rollout: { name: 'web', namespace: 'shop', uid: 'uid-1' },
      revision: 7,
      step: { index: 1, count: 4, number: 2 },
      cluster: 'prod-eu',
      time: event.time,
      text: defaultMessage(event),
      message: event.message,
      images: event.images,
      weights: event.weights,
      analysis: event.analysis,
    });
  });

  it('template: method, path (URL-escaped) and body', () => {
    const [p] = plan(
      {
        'service.webhook.ci': 'url: https://ci.example.com/x',
        'template.t': [
          'webhook:',
          '  ci:',
          '    method: PUT',
          '    path: /r/{{.rollout.metadata.namespace}}/{{.analysis.condition}}',
          '    body: |',
          '      {"value": "{{.analysis.value}}"}',
        ].join('\n'),
        'trigger.on-analysis-run-failed': '- send: [t]',
      },
      'ci',
    );
    if (p?.kind !== 'http') throw new Error('not http');
    expect(p.request.method).toBe('PUT');
    expect(p.request.url).toBe('https://ci.example.com/x/r/shop/result%5B0%5D%20%3E%3D%200.95');
    expect(httpBody(p)).toEqual({ value: '0.91' });
    expect(p.request.signWith).toBeUndefined();
  });
});

describe('Kubernetes Events and missing pieces', () => {
  it('the built-in events service: a Warning with the trigger-derived reason', () => {
    const [p] = plan({}, 'events');
    expect(p).toMatchObject({
      kind: 'event',
      record: { type: 'Warning', reason: 'AnalysisRunFailed' },
    });
    if (p?.kind !== 'event') return;
    expect(p.record.message).toContain('Value: 0.91');
    expect(p.record.message).toContain('Old image: web:1.0');
  });

  it('a Normal Event for good news', () => {
    const [p] = plan({}, 'events', [], { ...event, trigger: 'on-rollout-completed' });
    expect(p).toMatchObject({
      kind: 'event',
      record: { type: 'Normal', reason: 'RolloutCompleted' },
    });
  });

  it('an unconfigured service is an error', () => {
    expect(plan({}, 'slack')).toEqual([
      { kind: 'error', service: 'slack', error: 'no service "slack" is configured' },
    ]);
  });

  it('a trigger that sends an undefined template falls back to the built-in message', () => {
    const [p] = plan({ 'trigger.on-analysis-run-failed': '- send: [nope]' }, 'events');
    if (p?.kind !== 'event') throw new Error('not an event');
    expect(p.problems).toEqual([expect.stringMatching(/template "nope", which is not defined/)]);
    expect(p.record.message).toMatch(/^Analysis failed: rollout shop\/web/);
  });

  it('two templates for one trigger: two messages', () => {
    const planned = plan(
      {
        'service.discord': 'url: $discord-url',
        'template.a': 'message: A',
        'template.b': 'message: B',
        'trigger.on-analysis-run-failed': '- send: [a, b]',
      },
      'discord',
    );
    expect(planned.map((p) => httpBody(p).content)).toEqual(['A', 'B']);
  });
});
