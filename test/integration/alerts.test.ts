// Alerts end to end: a canary whose analysis fails on real Prometheus data makes the real
// controller send exactly one signed webhook, one Slack and one Teams message carrying the
// failing metric's value, plus a Warning Event; a receiver that never answers is retried, given
// up and counted, and the rollout does not wait for it.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../../src/local/ports.js';
import { verifySignature } from '../../src/notify/index.js';
import { startController, type ControllerProcess } from '../support/controller.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { startPrometheusWithSeries, type NowPrometheus } from '../support/prometheus-now.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
const custom = ns.kc.makeApiClient(CustomObjectsApi);
const hmacKey = 'test-signing-key-0123456789';
let controller: ControllerProcess;
let prometheus: NowPrometheus;
let receiver: Server;
let base: string;
let metricsPort: number;
const received: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  prometheus = await startPrometheusWithSeries([
    { metric: 'app_success_ratio', labels: { app: 'shop' }, value: 0.42 },
  ]);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      // The "slow" receiver never answers: the notifier must time out and give up.
      if (req.url === '/slow') return;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  await installRampCrds(ns.kc);
  await ns.core.createNamespacedSecret({
    namespace: ns.name,
    body: {
      metadata: { name: 'argo-rollouts-notification-secret' },
      stringData: { 'hmac-key': hmacKey, 'slack-url': `${base}/slack` },
    },
  });
  await ns.core.createNamespacedConfigMap({
    namespace: ns.name,
    body: {
      metadata: { name: 'argo-rollouts-notification-configmap' },
      data: {
        'service.slack': 'url: $slack-url\n',
        'service.teams': `recipientUrls:\n  ops: ${base}/teams\n`,
        'service.webhook.ops': `url: ${base}/webhook\nsecret: $hmac-key\n`,
        'service.webhook.slow': `url: ${base}/slow\n`,
      },
    },
  });
  await custom.createNamespacedCustomObject({
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'analysistemplates',
    namespace: ns.name,
    body: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'success-rate' },
      spec: {
        metrics: [
          {
            name: 'success-rate',
            successCondition: 'result[0] >= 0.95',
            provider: { prometheus: { query: 'app_success_ratio{app="shop"}' } },
          },
        ],
      },
    },
  });
  metricsPort = await freePort();
  controller = startController(ns.name, [
    '--prometheus-url',
    prometheus.url,
    '--metrics-port',
    String(metricsPort),
  ]);
}, 300_000);

afterAll(async () => {
  await controller?.stop();
  await prometheus?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

const subscriptions = {
  'notifications.argoproj.io/subscribe.on-analysis-run-failed.ops': '',
  'notifications.argoproj.io/subscribe.on-analysis-run-failed.slack': '',
  'notifications.argoproj.io/subscribe.on-analysis-run-failed.teams': 'ops',
  'notifications.argoproj.io/subscribe.on-analysis-run-failed.slow': '',
};

describe('alerts on failed analysis', () => {
  it('one signed webhook, one Slack and one Teams message with the value, and a Warning Event', async () => {
    const ro = canaryRollout(
      'shop',
      'shop:1',
      [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'success-rate' }] } }],
      {},
      2,
    );
    await rollouts.create({ ...ro, metadata: { ...ro.metadata, annotations: subscriptions } });
    await rollouts.waitUntil('shop', 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
    await rollouts.patchSpec('shop', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'shop:2' }] } } },
    });
    // The rollout aborts at once: it does not wait for the receiver that never answers.
    await rollouts.waitUntil('shop', 'aborted', (r) => r.status?.phase === 'Degraded');

    const by = (path: string) => received.filter((r) => r.path === path);
    await waitFor('webhook, Slack and Teams delivered', () =>
      ['/webhook', '/slack', '/teams'].every((p) => by(p).length > 0),
    );
    // Reconciles go on (the rollout stays aborted); no message is sent twice.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(by('/webhook')).toHaveLength(1);
    expect(by('/slack')).toHaveLength(1);
    expect(by('/teams')).toHaveLength(1);

    const hook = by('/webhook')[0]!;
    expect(
      verifySignature({
        secret: hmacKey,
        body: hook.body,
        timestamp: String(hook.headers['x-ramp-timestamp']),
        signature: String(hook.headers['x-ramp-signature']),
      }),
    ).toEqual({ ok: true });
    for (const path of ['/webhook', '/slack', '/teams']) {
      const body = by(path)[0]!.body;
      expect(body, path).toContain('0.42');
      expect(body, path).toContain('success-rate');
    }

    const events = await ns.core.listNamespacedEvent({ namespace: ns.name });
    const warnings = events.items.filter(
      (e) => e.involvedObject.name === 'shop' && e.type === 'Warning',
    );
    expect(warnings.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['AnalysisRunFailed', 'RolloutAborted']),
    );
  });

  it('a receiver that never answers is retried, given up and counted in metrics', async () => {
    await waitFor(
      'the slow webhook given up',
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        return /notification_send_error\{[^}]*service="slow"[^}]*\} [1-9]/.test(text);
      },
      { timeoutMs: 90_000 },
    );
    expect(received.filter((r) => r.path === '/slow').length).toBeGreaterThan(1);
  }, 120_000);
});
