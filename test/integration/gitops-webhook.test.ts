// The Git webhook receiver over real HTTP on loopback: signed pushes trigger a reconcile, everything
// else is refused with the right status (401, 404, 405, 413, 429) and never triggers, and neither
// the secret nor the signature ever reaches a log line. The targets are the receiver's own
// interface, implemented here over a Map.
import { request } from 'node:http';
import { Writable } from 'node:stream';

import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  startWebhookReceiver,
  WebhookReply,
  type WebhookReceiver,
  type WebhookTargets,
} from '../../src/gitops/webhook/receiver.js';
import { signPayload } from '../../src/gitops/webhook/signature.js';

const secret = 'webhook-secret-9f2c';
const push = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) });

/** GitRepositories by namespace/name: their secret, or null when they have none. */
const repositories = new Map<string, string | null>([
  ['apps/site', secret],
  ['apps/unsigned', null],
  ['apps/limited', secret],
]);
const triggered: string[] = [];
const logLines: string[] = [];

const targets: WebhookTargets = {
  secretFor: (namespace, name) => Promise.resolve(repositories.get(`${namespace}/${name}`)),
  trigger: (namespace, name) => {
    triggered.push(`${namespace}/${name}`);
    return Promise.resolve();
  },
};

const log = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);

let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver({
    host: '127.0.0.1',
    port: 0,
    targets,
    log,
    maxBodyBytes: 64 * 1024,
    // Generous: only the rate-limit tests below (their own receiver) run out of tokens.
    burst: 1000,
    ratePerMinute: 6000,
  });
});

afterAll(async () => {
  await receiver?.stop();
});

beforeEach(() => {
  triggered.length = 0;
});

interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
  base = receiver.url,
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

describe('accepted calls', () => {
  it.each([
    ['GitHub', { 'x-hub-signature-256': signPayload(secret, push), 'x-github-event': 'push' }],
    ['generic', { 'x-signature-256': signPayload(secret, push) }],
    ['GitHub with upper-case hex', { 'x-hub-signature-256': upper(signPayload(secret, push)) }],
  ])('a push signed the %s way triggers a reconcile: 202', async (_how, headers) => {
    const answer = await post('/hooks/apps/site', push, headers);
    expect(answer.status).toBe(202);
    expect(answer.body).toBe(`${WebhookReply.accepted}\n`);
    expect(triggered).toEqual(['apps/site']);
  });

  it('a signed GitHub ping answers pong and triggers nothing', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const answer = await post('/hooks/apps/site', ping, {
      'x-github-event': 'ping',
      'x-hub-signature-256': signPayload(secret, ping),
    });
    expect(answer).toMatchObject({ status: 200, body: 'pong\n' });
    expect(triggered).toEqual([]);
  });
});

function upper(signature: string): string {
  return `sha256=${signature.slice('sha256='.length).toUpperCase()}`;
}

describe('refused calls trigger nothing', () => {
  it.each<[string, string, Record<string, string>, number, string]>([
    ['unsigned', '/hooks/apps/site', {}, 401, WebhookReply.unauthorized],
    [
      'signed with the wrong secret',
      '/hooks/apps/site',
      { 'x-hub-signature-256': signPayload('not-the-secret', push) },
      401,
      WebhookReply.unauthorized,
    ],
    [
      'signed over another body',
      '/hooks/apps/site',
      { 'x-signature-256': signPayload(secret, `${push} `) },
      401,
      WebhookReply.unauthorized,
    ],
    [
      'a bad signature format',
      '/hooks/apps/site',
      { 'x-hub-signature-256': signPayload(secret, push).replace('sha256=', 'sha1=') },
      401,
      WebhookReply.unauthorized,
    ],
    [
      'for a repository without a webhook secret',
      '/hooks/apps/unsigned',
      { 'x-hub-signature-256': signPayload(secret, push) },
      401,
      WebhookReply.noSecret,
    ],
    [
      'for an unknown repository',
      '/hooks/apps/missing',
      { 'x-hub-signature-256': signPayload(secret, push) },
      404,
      WebhookReply.noSuchRepository,
    ],
    ['outside /hooks/', '/metrics', {}, 404, WebhookReply.notFound],
    ['with a path too deep', '/hooks/apps/site/extra', {}, 404, WebhookReply.notFound],
  ])('%s: %i', async (_what, path, headers, status, body) => {
    const answer = await post(path, push, headers);
    expect(answer).toMatchObject({ status, body: `${body}\n` });
    expect(triggered).toEqual([]);
  });

  it('GET on a hook: 405 with Allow: POST', async () => {
    const res = await fetch(`${receiver.url}/hooks/apps/site`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    await res.text();
    expect(triggered).toEqual([]);
  });
});

/** Sends headers only, claiming a body of `length` bytes, and resolves with the answer. */
function postDeclaring(length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${receiver.url}/hooks/apps/site`, {
      method: 'POST',
      headers: {
        'content-length': String(length),
        'x-hub-signature-256': signPayload(secret, push),
      },
    });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.once('error', reject);
    req.flushHeaders();
  });
}

/**
 * Streams a chunked body, 16 KiB at a time and never ending it, until the receiver answers and
 * then hangs up: the answer's status and Connection header.
 */
function streamUntilHungUp(): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(`${receiver.url}/hooks/apps/site`, {
      method: 'POST',
      headers: { 'x-hub-signature-256': signPayload(secret, push) },
    });
    req.once('response', (res) => {
      answered = true;
      res.resume();
      const answer = { status: res.statusCode ?? 0, connection: res.headers.connection };
      // The receiver, not this client, closes the connection.
      req.socket?.once('close', () => resolve(answer));
    });
    // Once the receiver stops reading and closes, writes fail; the answer is what counts.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = (): void => {
      while (!answered) if (!req.write(chunk)) return void req.once('drain', pump);
    };
    pump();
  });
}

describe('body limit', () => {
  it('a Content-Length over the limit: 413 before any of the body is sent', async () => {
    expect(await postDeclaring(10 * 1024 * 1024)).toBe(413);
    expect(triggered).toEqual([]);
  });

  it('a chunked body growing over the limit: 413 and the receiver stops reading', async () => {
    expect(await streamUntilHungUp()).toEqual({ status: 413, connection: 'close' });
    expect(triggered).toEqual([]);
  });

  it('a body just under the limit is still read and verified', async () => {
    const big = JSON.stringify({ pad: 'y'.repeat(60 * 1024) });
    const answer = await post('/hooks/apps/site', big, {
      'x-hub-signature-256': signPayload(secret, big),
    });
    expect(answer.status).toBe(202);
  });
});

describe('rate limit (per hook, before the signature check)', () => {
  let limited: WebhookReceiver;

  beforeAll(async () => {
    limited = await startWebhookReceiver({
      host: '127.0.0.1',
      port: 0,
      targets,
      log,
      burst: 3,
      ratePerMinute: 1,
    });
  });

  afterAll(async () => {
    await limited?.stop();
  });

  it('unsigned calls spend the burst (401), then 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post('/hooks/apps/limited', push, {}, limited.url)).status);
    expect(statuses).toEqual([401, 401, 401]);
    const signed = { 'x-hub-signature-256': signPayload(secret, push) };
    const refused = await post('/hooks/apps/limited', push, signed, limited.url);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(triggered).toEqual([]);
  });

  it('another hook has a bucket of its own', async () => {
    const answer = await post(
      '/hooks/apps/site',
      push,
      { 'x-hub-signature-256': signPayload(secret, push) },
      limited.url,
    );
    expect(answer.status).toBe(202);
    expect(triggered).toEqual(['apps/site']);
  });
});

describe('logs', () => {
  it('name the repository and the outcome, never the secret or a signature', () => {
    const all = logLines.join('');
    expect(all).toContain('"namespace":"apps"');
    expect(all).toContain('"outcome":"triggered"');
    expect(all).toContain('"outcome":"unauthorized"');
    expect(all).not.toContain(secret);
    // No signature, given or expected, in any form.
    expect(all).not.toMatch(/[0-9a-f]{64}/i);
  });
});
