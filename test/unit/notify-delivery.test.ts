// The notifier's queue, dedupe, leadership and retries against a local HTTP receiver, with the
// configuration given directly instead of read from a cluster.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseNotifyConfig } from '../../src/notify/config.js';
import { dedupeKey, RecentKeys } from '../../src/notify/dedupe.js';
import { DeliveryError, httpAttempt, scrub, withRetries } from '../../src/notify/deliver.js';
import { queueCapacity, startNotifier } from '../../src/notify/notifier.js';
import type { ConfigSource } from '../../src/notify/source.js';
import type { NotificationEvent, Notifier } from '../../src/notify/types.js';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver whose answer per path the test decides; `hang` never answers. */
let server: Server;
let base = '';
const received: Received[] = [];
const answers = new Map<string, number | 'hang'>();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, body });
      const answer = answers.get(path.split('?')[0]!) ?? 200;
      if (answer === 'hang') return;
      res.writeHead(answer, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fast = { attempts: 3, initialDelayMs: 10, timeoutMs: 300 };

function hits(path: string): Received[] {
  return received.filter((r) => r.path === path);
}

function event(over: Partial<NotificationEvent> = {}, annotations: Record<string, string> = {}) {
  return {
    trigger: 'on-analysis-run-failed',
    rollout: { name: 'web', namespace: 'shop', uid: 'uid-1', annotations, labels: {} },
    revision: 3,
    message: 'Analysis failed',
    images: { stable: 'web:1', canary: 'web:2' },
    analysis: { runName: 'web-3-1', metricName: 'success-rate', value: '0.5' },
    time: '2025-05-01T12:00:00Z',
    ...over,
  } satisfies NotificationEvent;
}

/** A notifier over a fixed configuration, capturing its log lines and counters. */
function notifierFor(
  data: Record<string, string>,
  opts: { isLeader?: () => boolean; secret?: Record<string, string> } = {},
) {
  const lines: string[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const counts = { sent: [] as string[], failed: [] as string[] };
  const source: ConfigSource = {
    config: () => Promise.resolve(parseNotifyConfig(data, opts.secret ?? {}).config),
    namespaceAnnotations: () => Promise.resolve({}),
  };
  const notifier: Notifier = startNotifier(
    {
      kc: {} as KubeConfig,
      log,
      clusterName: 'test',
      configNamespace: 'ramp-system',
      retry: fast,
      metrics: {
        sent: (s, t) => counts.sent.push(`${s}/${t}`),
        failed: (s, t) => counts.failed.push(`${s}/${t}`),
      },
      ...(opts.isLeader ? { isLeader: opts.isLeader } : {}),
    },
    source,
  );
  return { notifier, lines, counts };
}

const sub = (service: string) => ({
  [`notifications.argoproj.io/subscribe.on-analysis-run-failed.${service}`]: '',
});

describe('withRetries', () => {
  it.each<[string, number | 'hang', number, boolean, RegExp | undefined]>([
    ['200: one try', 200, 1, true, undefined],
    ['500: retried, then given up', 500, 3, false, /^HTTP 500$/],
    ['503: retried', 503, 3, false, /^HTTP 503$/],
    ['429: retried', 429, 3, false, /^HTTP 429$/],
    ['400: not retried', 400, 1, false, /^HTTP 400$/],
    ['404: not retried', 404, 1, false, /^HTTP 404$/],
    ['no answer: timed out and retried', 'hang', 3, false, /^no answer within 0.3s$/],
  ])('%s', async (name, answer, attempts, ok, reason) => {
    const path = `/retry-${attempts}-${String(answer)}-${name.length}`;
    answers.set(path, answer);
    const outcome = await withRetries(
      httpAttempt({ url: base + path, method: 'POST', headers: {}, body: '{}' }),
      fast,
    );
    expect(outcome.ok).toBe(ok);
    expect(outcome.attempts).toBe(attempts);
    expect(hits(path)).toHaveLength(attempts);
    if (!outcome.ok) expect(outcome.reason).toMatch(reason!);
  });

  it('a refused connection is retried', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await withRetries(
      httpAttempt({ url: `http://127.0.0.1:${port}/x`, method: 'POST', headers: {} }),
      fast,
    );
    expect(outcome).toMatchObject({ ok: false, attempts: 3 });
    if (!outcome.ok) expect(outcome.reason).toMatch(/ECONNREFUSED/);
  });

  it('backs off exponentially', async () => {
    const started = Date.now();
    let tries = 0;
    await withRetries(
      () => {
        tries++;
        return Promise.reject(new DeliveryError('HTTP 500', true));
      },
      { attempts: 3, initialDelayMs: 100, timeoutMs: 1000 },
    );
    expect(tries).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290); // 100 + 200
  });

  it('stops retrying once leadership is lost', async () => {
    let tries = 0;
    const outcome = await withRetries(
      () => {
        tries++;
        return Promise.reject(new Error('boom'));
      },
      fast,
      () => false,
    );
    expect(tries).toBe(1);
    expect(outcome).toMatchObject({ ok: false, reason: 'stopped: no longer the leader' });
  });
});

describe('dedupe', () => {
  it.each<[string, Partial<NotificationEvent>, boolean]>([
    ['the same moment', {}, true],
    ['another revision', { revision: 4 }, false],
    ['another trigger', { trigger: 'on-rollout-aborted' }, false],
    ['another step', { step: { index: 2, count: 4 } }, false],
    ['another AnalysisRun', { analysis: { runName: 'web-3-2' } }, false],
    ['another message, same moment', { message: 'other words', time: 'later' }, true],
    [
      'the same moment happening again (a second abort)',
      { occurrence: '2026-11-29T12:05:00Z' },
      false,
    ],
  ])('%s', (_name, change, same) => {
    expect(dedupeKey(event(change)) === dedupeKey(event())).toBe(same);
  });

  it('forgets the least recently used key beyond its capacity', () => {
    const keys = new RecentKeys(2);
    keys.add('a');
    keys.add('b');
    expect(keys.has('a')).toBe(true); // refreshes a
    keys.add('c'); // evicts b
    expect([keys.has('a'), keys.has('b'), keys.has('c'), keys.size]).toEqual([
      true,
      false,
      true,
      2,
    ]);
  });
});

describe('notifier', () => {
  it('sends one notification for the same event notified 5 times', async () => {
    const { notifier, counts } = notifierFor({ 'service.webhook.a': `url: ${base}/dedupe` });
    for (let i = 0; i < 5; i++) notifier.notify(event({}, sub('a')));
    await notifier.drain();
    for (let i = 0; i < 5; i++) notifier.notify(event({}, sub('a')));
    await notifier.drain();
    expect(hits('/dedupe')).toHaveLength(1);
    expect(counts.sent).toEqual(['a/on-analysis-run-failed']);
    notifier.notify(event({ revision: 4 }, sub('a')));
    await notifier.drain();
    expect(hits('/dedupe')).toHaveLength(2);
  });

  it('sends nothing while not the leader, and does not remember what it dropped', async () => {
    let leader = false;
    const { notifier } = notifierFor(
      { 'service.webhook.a': `url: ${base}/leader` },
      { isLeader: () => leader },
    );
    notifier.notify(event({}, sub('a')));
    await notifier.drain();
    expect(hits('/leader')).toHaveLength(0);
    leader = true;
    notifier.notify(event({}, sub('a')));
    await notifier.drain();
    expect(hits('/leader')).toHaveLength(1);
  });

  it('returns from notify() before anything is sent', async () => {
    answers.set('/hang-once', 'hang');
    const { notifier } = notifierFor({ 'service.webhook.a': `url: ${base}/hang-once` });
    notifier.notify(event({}, sub('a')));
    expect(hits('/hang-once')).toHaveLength(0); // not even the first request has left yet
    await notifier.drain();
    expect(hits('/hang-once')).toHaveLength(3);
  });

  it('gives up after the retries: counted, one warning without the URL path or secrets', async () => {
    answers.set('/hooks/SECRET-PATH', 500);
    const { notifier, counts, lines } = notifierFor(
      {
        'service.webhook.a':
          'url: $hook\nheaders:\n- name: Authorization\n  value: Bearer $token\nsecret: $hmac',
      },
      { secret: { hook: `${base}/hooks/SECRET-PATH`, token: 'TOKEN-123', hmac: 'HMAC-456' } },
    );
    notifier.notify(event({}, sub('a')));
    await notifier.drain();
    expect(hits('/hooks/SECRET-PATH')).toHaveLength(3);
    expect(counts).toEqual({ sent: [], failed: ['a/on-analysis-run-failed'] });
    const warnings = lines.filter((l) => l.includes('"level":40'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({
      msg: 'notification not delivered: HTTP 500',
      service: 'a',
      destination: base,
      attempts: 3,
      rollout: 'shop/web',
    });
    for (const l of lines)
      for (const s of ['SECRET-PATH', 'TOKEN-123', 'HMAC-456']) expect(l).not.toContain(s);
  });

  it('counts a subscription to an unconfigured service as failed, under one label value', async () => {
    const { notifier, counts, lines } = notifierFor({});
    notifier.notify(event({}, sub('nowhere')));
    await notifier.drain();
    expect(counts.failed).toEqual(['unconfigured/on-analysis-run-failed']);
    expect(lines.join('')).toContain('no service \\"nowhere\\" is configured');
  });

  it('drops and counts events beyond the queue capacity', async () => {
    const { notifier, counts } = notifierFor({});
    for (let i = 0; i <= queueCapacity + 1; i++) notifier.notify(event({ revision: i }));
    expect(counts.failed).toEqual(['queue/on-analysis-run-failed', 'queue/on-analysis-run-failed']);
    await notifier.drain();
  });

  it('never throws from notify()', async () => {
    const { notifier, lines } = notifierFor({});
    expect(() => notifier.notify({} as NotificationEvent)).not.toThrow();
    expect(() => notifier.notify(null as unknown as NotificationEvent)).not.toThrow();
    await notifier.drain();
    expect(lines.length).toBeGreaterThan(0);
  });

  it('drain() with nothing queued resolves at once', async () => {
    await notifierFor({}).notifier.drain();
  });
});

describe('scrub', () => {
  it('cuts URLs to their origin and removes secret values', () => {
    expect(
      scrub('POST https://hooks.slack.com/services/T/B/X failed with token abcd1234', ['abcd1234']),
    ).toBe('POST https://hooks.slack.com failed with token [redacted]');
  });
});

describe('invalid requests', () => {
  it('a header value fetch refuses is not retried and not quoted', async () => {
    const outcome = await withRetries(
      httpAttempt({
        url: `${base}/never`,
        method: 'POST',
        headers: { Authorization: 'Bearer SECRET\nX: y' },
      }),
      fast,
    );
    expect(outcome).toEqual({
      ok: false,
      attempts: 1,
      reason: 'invalid request (check the header names and values)',
    });
    expect(hits('/never')).toHaveLength(0);
  });
});
