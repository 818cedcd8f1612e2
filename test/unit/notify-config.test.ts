import { describe, expect, it } from 'vitest';

import {
  decodeSecretData,
  parseNotifyConfig,
  slackApiUrl,
  type ServiceConfig,
} from '../../src/notify/config.js';
import { renderTemplate } from '../../src/notify/template.js';

const secret = {
  'slack-token': 'xoxb-111-SECRET-TOKEN',
  'slack-webhook-url': 'https://hooks.slack.com/services/T0/B0/SECRETPATH',
  'teams-url': 'https://example.webhook.office.com/webhookb2/SECRET-TEAMS',
  'discord-url': 'https://discord.com/api/webhooks/1/SECRET-DISCORD',
  'hmac-key': 'hmac-SECRET-KEY',
  'ci-token': 'ci-SECRET',
  'ci-password': 'pw-SECRET',
};
const secretValues = Object.values(secret);

function service(key: string, text: string): ServiceConfig | string {
  const { config, errors } = parseNotifyConfig({ [key]: text }, secret);
  if (errors.length > 0) return errors.join('\n');
  return [...config.services.values()][0]!;
}

describe('services', () => {
  it.each<[string, string, string, Partial<ServiceConfig> & { name: string }]>([
    [
      'slack with a bot token',
      'service.slack',
      'token: $slack-token\nusername: ramp\nicon: ":rocket:"',
      {
        name: 'slack',
        type: 'slack',
        token: secret['slack-token'],
        apiURL: slackApiUrl,
        username: 'ramp',
        icon: ':rocket:',
        secrets: [secret['slack-token']],
      },
    ],
    [
      'slack incoming webhook',
      'service.slack',
      'url: $slack-webhook-url',
      { name: 'slack', type: 'slack', url: secret['slack-webhook-url'] },
    ],
    [
      'slack with a custom name',
      'service.slack.workspace2',
      'token: $slack-token\nchannels: [a, b]',
      { name: 'workspace2', type: 'slack', channels: ['a', 'b'] },
    ],
    [
      'teams recipient URLs',
      'service.teams',
      'recipientUrls:\n  ops: $teams-url',
      { name: 'teams', type: 'teams', recipientUrls: { ops: secret['teams-url'] } },
    ],
    [
      'teams workflows',
      'service.teams-workflows',
      'recipientUrls:\n  ops: $teams-url',
      { name: 'teams-workflows', type: 'teams-workflows' },
    ],
    [
      'discord url',
      'service.discord',
      'url: $discord-url',
      { name: 'discord', type: 'discord', url: secret['discord-url'], recipientUrls: {} },
    ],
    [
      'webhook with headers, basic auth and signing key',
      'service.webhook.ci',
      [
        'url: https://ci.example.com/hooks',
        'headers:',
        '- name: Authorization',
        '  value: Bearer $ci-token',
        'basicAuth:',
        '  username: ramp',
        '  password: $ci-password',
        'secret: $hmac-key',
      ].join('\n'),
      {
        name: 'ci',
        type: 'webhook',
        url: 'https://ci.example.com/hooks',
        headers: [{ name: 'Authorization', value: `Bearer ${secret['ci-token']}` }],
        basicAuth: { username: 'ramp', password: secret['ci-password'] },
        secret: secret['hmac-key'],
      },
    ],
  ])('%s', (_name, key, text, expected) => {
    expect(service(key, text)).toMatchObject(expected);
  });

  it.each<[string, string, string, RegExp]>([
    [
      'a missing secret key',
      'service.slack',
      'token: $no-such-key',
      /service\.slack: "\$no-such-key" refers to key "no-such-key", which Secret argo-rollouts-notification-secret does not have/,
    ],
    ['an unsupported type', 'service.email', 'host: smtp', /service type "email" is not supported/],
    ['a webhook without a name', 'service.webhook', 'url: https://x', /needs a name/],
    ['a webhook without a url', 'service.webhook.ci', 'headers: []', /needs `url`/],
    ['slack without url or token', 'service.slack', 'username: x', /needs `url`.*or `token`/],
    ['teams without URLs', 'service.teams', '{}', /needs `recipientUrls`/],
    ['a non-http url', 'service.discord', 'url: ftp://x', /`url` is not an http\(s\) URL/],
    ['invalid YAML', 'service.slack', 'token: [unclosed', /invalid YAML/],
    ['a number where a string belongs', 'service.slack', 'token: 12', /`token` must be a string/],
  ])('%s is a clear error', (_name, key, text, error) => {
    const out = service(key, text);
    expect(typeof out).toBe('string');
    expect(out).toMatch(error);
  });

  it('never puts secret values in errors, even when other refs of the key resolved', () => {
    const { errors } = parseNotifyConfig(
      {
        'service.webhook.ci':
          'url: $slack-webhook-url\nheaders:\n- name: X\n  value: $ci-token\nsecret: $missing',
        'service.teams': 'recipientUrls:\n  ops: not a url $teams-url',
        'service.discord': 'url: ftp://$discord-url',
      },
      secret,
    );
    expect(errors).toHaveLength(3);
    for (const e of errors) for (const v of secretValues) expect(e).not.toContain(v);
  });

  it('keeps the good keys when one is broken', () => {
    const { config, errors } = parseNotifyConfig(
      { 'service.slack': 'token: $missing', 'service.discord': 'url: $discord-url' },
      secret,
    );
    expect(errors).toHaveLength(1);
    expect([...config.services.keys()]).toEqual(['discord']);
  });

  it('decodes base64 Secret data', () => {
    expect(decodeSecretData({ k: Buffer.from('välue').toString('base64') })).toEqual({
      k: 'välue',
    });
    expect(decodeSecretData(undefined)).toEqual({});
  });
});

describe('templates and triggers', () => {
  const { config, errors } = parseNotifyConfig(
    {
      'template.canary-failed': [
        'message: "{{.rollout.metadata.name}} failed: {{.analysis.metricName}}={{.analysis.value}}"',
        'slack:',
        '  attachments: |',
        '    [{"title": "{{.rollout.metadata.name}}", "color": "#E01E5A"}]',
        'teams:',
        '  title: Canary of {{.rollout.metadata.name}} failed',
        '  facts: |',
        '    [{"name": "Value", "value": "{{.analysis.value}}"}]',
        'discord:',
        '  content: "**{{.rollout.metadata.name}}**"',
        'email:',
        '  subject: ignored, ramp has no email service',
        'webhook:',
        '  ci:',
        '    method: put',
        '    path: /rollouts/{{.rollout.metadata.name}}',
        '    body: |',
        '      {"rollout": "{{.rollout.metadata.name}}"}',
      ].join('\n'),
      'template.broken': 'message: "{{if .x}}y{{end}}"',
      'template.bad-method': 'webhook:\n  ci:\n    method: DELETE',
      'trigger.on-analysis-run-failed': '- send: [canary-failed]\n- send: [canary-failed, other]',
      'trigger.on-rollout-paused': 'send: [paused]',
      'trigger.on-empty': '- description: nothing\n',
      defaultTriggers: '- on-analysis-run-failed\n- on-rollout-aborted',
      context: 'dashboard: https://grafana.example.com',
    },
    {},
  );

  it('parses a template with per-sink fields', () => {
    const t = config.templates.get('canary-failed')!;
    const data = {
      rollout: { metadata: { name: 'web' } },
      analysis: { metricName: 'sr', value: '0.9' },
    };
    expect(renderTemplate(t.message!, data)).toBe('web failed: sr=0.9');
    expect(Object.keys(t.fields.slack!)).toEqual(['attachments']);
    expect(Object.keys(t.fields.teams!)).toEqual(['title', 'facts']);
    expect(renderTemplate(t.fields.discord!.content!, data)).toBe('**web**');
    expect(t.webhook.ci!.method).toBe('PUT');
    expect(renderTemplate(t.webhook.ci!.path!, data)).toBe('/rollouts/web');
  });

  it('reports broken templates and triggers by key', () => {
    expect(errors).toEqual([
      expect.stringMatching(/^template\.broken: message: unsupported template action/),
      expect.stringMatching(
        /^template\.bad-method: webhook\.ci\.method must be GET, POST, PUT or PATCH/,
      ),
      expect.stringMatching(/^trigger\.on-empty: the trigger sends no template/),
    ]);
    expect(config.templates.has('broken')).toBe(false);
  });

  it('unites the send lists of a trigger, one object or a list', () => {
    expect(config.triggers.get('on-analysis-run-failed')).toEqual(['canary-failed', 'other']);
    expect(config.triggers.get('on-rollout-paused')).toEqual(['paused']);
  });

  it('reads defaultTriggers and context', () => {
    expect(config.defaultTriggers).toEqual(['on-analysis-run-failed', 'on-rollout-aborted']);
    expect(config.context).toEqual({ dashboard: 'https://grafana.example.com' });
  });
});
