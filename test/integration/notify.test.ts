// Notifications against the real control plane: configuration from a real ConfigMap and Secret,
// a subscription on a real Namespace, an Event on a real Rollout, and chat/webhook deliveries to a
// local receiver — once per event however often it is reported, retried then given up when the
// receiver fails, and never holding up the caller.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import {
  createNotifier,
  signatureHeader,
  timestampHeader,
  verifySignature,
  type NotificationEvent,
  type Notifier,
} from '../../src/notify/index.js';
import { planDeliveries } from '../../src/notify/plan.js';
import { parseSubscriptions } from '../../src/notify/subscriptions.js';
import { packageRoot } from '../../src/version.js';
import { rawRequest, resourcePath } from '../../src/kube/raw.js';
import { decodeSecretData, parseNotifyConfig } from '../../src/notify/config.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);

const hmacKey = 'integration-hmac-key';
const secrets = {
  'hmac-key': hmacKey,
  'slack-path': 'T000/B000/SLACKSECRET',
  'teams-path': 'TEAMSSECRET',
};

interface Hit {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly seq: number;
}

/** Orders what happened in the test process: notify() returning, the receiver answering. */
let seq = 0;
const hits: Hit[] = [];
const answeredAt: Record<string, number[]> = {};
let server: Server;
let base = '';

function receiver(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const path = req.url ?? '';
    hits.push({ path, headers: req.headers, body, seq: ++seq });
    if (path === '/slow') return; // never answers: the notifier's timeout ends each try
    const status = path === '/flaky' ? 500 : 200;
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end('ok');
    (answeredAt[path] ??= []).push(++seq);
  });
}

const at = (path: string): Hit[] => hits.filter((h) => h.path === path);

const lines: string[] = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  }),
);
const counted = { sent: [] as string[], failed: [] as string[] };
let notifier: Notifier;
let uid = '';

beforeAll(async () => {
  server = createServer(receiver);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await installRampCrds(ns.kc);
  await ns.core.createNamespacedSecret({
    namespace: ns.name,
    body: {
      metadata: { name: 'argo-rollouts-notification-secret' },
      stringData: {
        ...secrets,
        'slack-url': `${base}/slack/${secrets['slack-path']}`,
        'teams-url': `${base}/teams/${secrets['teams-path']}`,
      },
    },
  });
  await ns.core.createNamespacedConfigMap({
    namespace: ns.name,
    body: {
      metadata: { name: 'argo-rollouts-notification-configmap' },
      data: {
        'service.webhook.signed': `url: ${base}/signed\nsecret: $hmac-key`,
        'service.slack': 'url: $slack-url',
        'service.teams': 'recipientUrls:\n  ops: $teams-url',
        'service.webhook.flaky': `url: ${base}/flaky`,
        'service.webhook.slow': `url: ${base}/slow`,
      },
    },
  });
  // Teams comes from the Namespace's subscription, the rest from the Rollout's.
  await rawRequest(ns.kc, {
    method: 'PATCH',
    path: `/api/v1/namespaces/${ns.name}`,
    contentType: 'application/merge-patch+json',
    body: {
      metadata: {
        annotations: { 'notifications.argoproj.io/subscribe.on-analysis-run-failed.teams': 'ops' },
      },
    },
  });
  await rollouts.create(canaryRollout('web', 'web:1', [{ setWeight: 20 }, { pause: {} }], {}, 1));
  uid = (await rollouts.get('web')).metadata.uid ?? '';

  notifier = createNotifier({
    kc: ns.kc,
    log,
    clusterName: 'it-cluster',
    configNamespace: ns.name,
    isLeader: () => true,
    metrics: {
      sent: (s, t) => counted.sent.push(`${s}/${t}`),
      failed: (s, t) => counted.failed.push(`${s}/${t}`),
    },
    retry: { attempts: 3, initialDelayMs: 50, timeoutMs: 1000 },
  });
});

afterAll(async () => {
  await notifier.drain();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function analysisFailed(
  subscriptions: Record<string, string>,
  over: Partial<NotificationEvent> = {},
): NotificationEvent {
  const annotations: Record<string, string> = {};
  for (const [service, recipients] of Object.entries(subscriptions)) {
    annotations[`notifications.argoproj.io/subscribe.on-analysis-run-failed.${service}`] =
      recipients;
  }
  return {
    trigger: 'on-analysis-run-failed',
    rollout: { name: 'web', namespace: ns.name, uid, annotations, labels: { app: 'web' } },
    revision: 2,
    message: 'Analysis failed: metric success-rate assessed Failed',
    images: { stable: 'web:1', canary: 'web:2' },
    step: { index: 1, count: 2 },
    weights: { canary: 20, stable: 80 },
    analysis: {
      runName: 'web-6d8f-2-1',
      metricName: 'success-rate',
      value: '0.8123',
      condition: 'result[0] >= 0.95',
    },
    time: new Date().toISOString(),
    ...over,
  };
}

describe('notifications', () => {
  it('one event, notified 5 times: one signed webhook, one Slack, one Teams message, one Event', async () => {
    const event = analysisFailed({ signed: '', slack: 'alerts', events: '' });
    for (let i = 0; i < 5; i++) notifier.notify(event);
    await notifier.drain();
    notifier.notify(event);
    await notifier.drain();

    const [signed] = at('/signed');
    expect(at('/signed')).toHaveLength(1);
    const verdict = verifySignature({
      secret: hmacKey,
      body: signed!.body,
      timestamp: signed!.headers[timestampHeader.toLowerCase()] as string | undefined,
      signature: signed!.headers[signatureHeader.toLowerCase()] as string | undefined,
    });
    expect(verdict).toEqual({ ok: true });
    expect(JSON.parse(signed!.body)).toMatchObject({
      trigger: 'on-analysis-run-failed',
      cluster: 'it-cluster',
      rollout: { name: 'web', namespace: ns.name, uid },
      analysis: { metricName: 'success-rate', value: '0.8123' },
    });

    const slack = at(`/slack/${secrets['slack-path']}`);
    expect(slack).toHaveLength(1);
    const slackBody = JSON.parse(slack[0]!.body) as { text: string; attachments: unknown[] };
    expect(slackBody.text).toContain('success-rate = 0.8123');
    expect(JSON.stringify(slackBody.attachments)).toContain('0.8123');

    const teams = at(`/teams/${secrets['teams-path']}`);
    expect(teams).toHaveLength(1);
    const teamsBody = JSON.parse(teams[0]!.body) as Record<string, unknown>;
    expect(teamsBody['@type']).toBe('MessageCard');
    expect(JSON.stringify(teamsBody.sections)).toContain('{"name":"Value","value":"0.8123"}');

    const events = (
      await ns.core.listNamespacedEvent({
        namespace: ns.name,
        fieldSelector: 'involvedObject.name=web,reason=AnalysisRunFailed',
      })
    ).items;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'Warning',
      reason: 'AnalysisRunFailed',
      involvedObject: { kind: 'Rollout', name: 'web', uid },
    });
    expect(events[0]!.message).toContain('Value: 0.8123');

    expect(counted.sent.sort()).toEqual([
      'events/on-analysis-run-failed',
      'signed/on-analysis-run-failed',
      'slack/on-analysis-run-failed',
      'teams/on-analysis-run-failed',
    ]);
    expect(counted.failed).toEqual([]);
  });

  it('a receiver answering 500 is retried, then given up; notify() did not wait for it', async () => {
    counted.failed.length = 0;
    notifier.notify(analysisFailed({ flaky: '' }, { revision: 3 }));
    const returned = ++seq;
    await notifier.drain();

    const tries = at('/flaky');
    expect(tries).toHaveLength(3);
    expect(returned).toBeLessThan(answeredAt['/flaky']![0]!);
    expect(returned).toBeLessThan(tries[0]!.seq);
    expect(counted.failed).toContain('flaky/on-analysis-run-failed');
    const warning = lines.filter((l) => l.includes('notification not delivered: HTTP 500'));
    expect(warning).toHaveLength(1);
    expect(JSON.parse(warning[0]!)).toMatchObject({ service: 'flaky', attempts: 3 });
  });

  it('a receiver that never answers: each try times out, then given up', async () => {
    counted.failed.length = 0;
    notifier.notify(analysisFailed({ slow: '' }, { revision: 4 }));
    const returned = ++seq;
    await notifier.drain();

    const tries = at('/slow');
    expect(tries).toHaveLength(3);
    expect(returned).toBeLessThan(tries[0]!.seq);
    expect(counted.failed).toEqual(['slow/on-analysis-run-failed']);
    expect(lines.some((l) => l.includes('notification not delivered: no answer within 1s'))).toBe(
      true,
    );
  });

  it('logged nothing secret', () => {
    const all = lines.join('\n');
    for (const value of Object.values(secrets)) expect(all).not.toContain(value);
  });
});

describe('examples/notifications.yaml', () => {
  const exampleNs = `${ns.name}-example`;
  afterAll(async () => {
    await ns.core.deleteNamespace({ name: exampleNs, propagationPolicy: 'Background' });
  });

  it('applies, parses without errors, and subscribes only to configured services', async () => {
    await ns.core.createNamespace({ body: { metadata: { name: exampleNs } } });
    const text = await readFile(join(packageRoot, 'examples', 'notifications.yaml'), 'utf8');
    const plurals: Record<string, string> = {
      Secret: 'secrets',
      ConfigMap: 'configmaps',
      Rollout: 'rollouts',
    };
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as { apiVersion: string; kind: string };
      await rawRequest(ns.kc, {
        method: 'POST',
        path: resourcePath({
          apiVersion: obj.apiVersion,
          plural: plurals[obj.kind]!,
          namespace: exampleNs,
        }),
        body: obj,
      });
    }
    const read = (plural: string, name: string) =>
      rawRequest<{
        data?: Record<string, string>;
        metadata: { annotations?: Record<string, string> };
      }>(ns.kc, {
        method: 'GET',
        path: resourcePath({ apiVersion: 'v1', plural, namespace: exampleNs, name }),
      });
    const cm = await read('configmaps', 'argo-rollouts-notification-configmap');
    const secret = await read('secrets', 'argo-rollouts-notification-secret');
    const { config, errors } = parseNotifyConfig(cm.data, decodeSecretData(secret.data));
    expect(errors).toEqual([]);

    const rollout = await rolloutClient(ns.kc, exampleNs).get('checkout');
    const annotations = rollout.metadata.annotations ?? {};
    const subs = parseSubscriptions(annotations);
    expect(subs.length).toBe(5);
    for (const sub of subs) expect([...config.services.keys(), 'events']).toContain(sub.service);

    const event = analysisFailed({});
    const planned = planDeliveries(
      {
        event: { ...event, rollout: { ...event.rollout, name: 'checkout', annotations } },
        clusterName: 'it-cluster',
        config,
      },
      'slack',
      [],
    );
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ kind: 'http', problems: [] });
    if (planned[0]?.kind !== 'http') return;
    const body = JSON.parse(planned[0].request.body ?? '') as {
      text: string;
      attachments: unknown;
    };
    expect(body.text).toContain('success-rate = 0.8123 (needs result[0] >= 0.95)');
    expect(JSON.stringify(body.attachments)).toContain('payments-team');
  });
});
