// The Git webhook receiver: POST /hooks/<namespace>/<name>, signed with the GitRepository's
// webhook secret, asks for a reconcile now instead of at the next interval. Cheap refusals come
// first (path, method, rate, declared size) so a flood of unsigned calls costs almost nothing;
// only then is the secret looked up and the body read and verified.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import type { Logger } from '../../observability/logger.js';
import { declaredTooLarge, readBody } from './body.js';
import { RateLimiter, retryAfterSeconds } from './rate-limit.js';
import { parseHookPath, type HookTarget } from './route.js';
import { signatureOf, verifyPayloadSignature } from './signature.js';

/** What the receiver needs from the controller. */
export interface WebhookTargets {
  /** The signing secret of GitRepository namespace/name: undefined = no such GitRepository; null = it has no webhookSecretRef (or the Secret/key `token` is missing). */
  secretFor(namespace: string, name: string): Promise<string | null | undefined>;
  /** Ask for a reconcile now (the controller sets the ramp.dev/reconcile-requested-at annotation). */
  trigger(namespace: string, name: string): Promise<void>;
}

/** Options of startWebhookReceiver. */
export interface WebhookReceiverOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly targets: WebhookTargets;
  readonly log: Logger;
  /** Largest body accepted; default 1 MiB (GitHub caps payloads at 25 MB, pushes are far smaller). */
  readonly maxBodyBytes?: number;
  /** Calls per minute one hook may make once its burst is spent; default 30. */
  readonly ratePerMinute?: number;
  /** Calls one hook may make at once; default 10. */
  readonly burst?: number;
}

/** A listening receiver. */
export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:9292 (hooks are under /hooks/). */
  readonly url: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
}

/** Default body limit: 1 MiB. */
export const defaultMaxBodyBytes = 1024 * 1024;
/** Default refill of one hook's bucket, per minute. */
export const defaultRatePerMinute = 30;
/** Default capacity of one hook's bucket. */
export const defaultBurst = 10;
/** The overall bucket is this many hooks' worth, so one noisy repository cannot use it all. */
const overallFactor = 10;
/** A body must arrive within this time (slow senders hold a socket each). */
const requestTimeoutMs = 30_000;

/** Short bodies of the answers; constants so logs and tests can match them. */
export const WebhookReply = {
  notFound: 'not found',
  noSuchRepository: 'no such GitRepository',
  methodNotAllowed: 'method not allowed: use POST',
  tooManyRequests: 'too many requests',
  tooLarge: 'payload too large',
  noSecret: 'webhook secret not configured',
  unauthorized: 'invalid or missing signature',
  pong: 'pong',
  accepted: 'reconcile requested',
  lookupFailed: 'cannot look up the GitRepository',
  triggerFailed: 'cannot request a reconcile',
} as const;

interface Context {
  readonly targets: WebhookTargets;
  readonly log: Logger;
  readonly limiter: RateLimiter;
  readonly maxBodyBytes: number;
}

/** Starts the receiver on host:port; resolves once listening. */
export async function startWebhookReceiver(opts: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const rate = opts.ratePerMinute ?? defaultRatePerMinute;
  const burst = opts.burst ?? defaultBurst;
  const ctx: Context = {
    targets: opts.targets,
    log: opts.log,
    maxBodyBytes: opts.maxBodyBytes ?? defaultMaxBodyBytes,
    limiter: new RateLimiter(
      { perMinute: rate, burst },
      { perMinute: rate * overallFactor, burst: burst * overallFactor },
      Date.now(),
    ),
  };
  const server = createServer((req, res) => {
    handle(req, res, ctx).catch((err: unknown) => {
      ctx.log.error({ err: errorText(err) }, 'webhook: unexpected failure');
      if (!res.headersSent) reply(res, 500, 'internal error');
    });
  });
  server.requestTimeout = requestTimeoutMs;
  await listen(server, opts);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function listen(server: ReturnType<typeof createServer>, opts: WebhookReceiverOptions) {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      reject(
        new Error(
          `webhook receiver cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`,
        ),
      );
    };
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const target = parseHookPath(req.url ?? '/');
  if (!target) return reply(res, 404, WebhookReply.notFound);
  if (req.method !== 'POST')
    return reply(res, 405, WebhookReply.methodNotAllowed, { allow: 'POST' });
  if (!admitted(res, target, ctx)) return;
  if (declaredTooLarge(req, ctx.maxBodyBytes)) return refuseTooLarge(res, target, ctx);
  const secret = await lookUpSecret(res, target, ctx);
  if (secret !== undefined) await verifyAndAccept(req, res, { target, secret }, ctx);
}

/** Reads the body (within the limit) and checks its signature before acting on it. */
async function verifyAndAccept(
  req: IncomingMessage,
  res: ServerResponse,
  hook: { target: HookTarget; secret: string },
  ctx: Context,
): Promise<void> {
  const { target, secret } = hook;
  // Unsigned calls are refused before their body is read.
  const signature = signatureOf(req.headers);
  if (signature === undefined) return refuse(res, target, ctx, { reason: 'missing signature' });
  const body = await readBody(req, ctx.maxBodyBytes);
  if (body.kind === 'aborted') return;
  if (body.kind === 'too-large') return refuseTooLarge(res, target, ctx);
  const check = verifyPayloadSignature(secret, body.body, signature);
  if (!check.ok) return refuse(res, target, ctx, { reason: check.reason });
  await accept(req, res, target, ctx);
}

/** Takes a token; without one, answers 429 with Retry-After. Logged at debug: floods stay quiet. */
function admitted(res: ServerResponse, target: HookTarget, ctx: Context): boolean {
  const admission = ctx.limiter.admit(`${target.namespace}/${target.name}`, Date.now());
  if (admission.ok) return true;
  ctx.log.debug({ ...target, outcome: 'rate-limited' }, 'webhook refused');
  reply(res, 429, WebhookReply.tooManyRequests, {
    'retry-after': String(retryAfterSeconds(admission.retryAfterMs)),
  });
  return false;
}

/** The secret, or undefined once an answer (404, 401, 503) has been sent. */
async function lookUpSecret(
  res: ServerResponse,
  target: HookTarget,
  ctx: Context,
): Promise<string | undefined> {
  let secret: string | null | undefined;
  try {
    secret = await ctx.targets.secretFor(target.namespace, target.name);
  } catch (err) {
    ctx.log.error({ ...target, outcome: 'lookup-failed', err: errorText(err) }, 'webhook failed');
    reply(res, 503, WebhookReply.lookupFailed);
    return undefined;
  }
  if (secret === undefined) {
    ctx.log.info({ ...target, outcome: 'unknown-repository' }, 'webhook refused');
    reply(res, 404, WebhookReply.noSuchRepository);
    return undefined;
  }
  // An empty token would make the HMAC a formality: same as none.
  if (secret === null || secret === '') {
    refuse(res, target, ctx, {
      reason: 'no webhookSecretRef, or its Secret has no token',
      body: WebhookReply.noSecret,
    });
    return undefined;
  }
  return secret;
}

/** A verified call: ping answers pong, anything else asks for a reconcile. */
async function accept(
  req: IncomingMessage,
  res: ServerResponse,
  target: HookTarget,
  ctx: Context,
): Promise<void> {
  const event = req.headers['x-github-event'];
  if (event === 'ping') {
    ctx.log.info({ ...target, outcome: 'pong' }, 'webhook ping');
    return reply(res, 200, WebhookReply.pong);
  }
  try {
    await ctx.targets.trigger(target.namespace, target.name);
  } catch (err) {
    ctx.log.error({ ...target, outcome: 'trigger-failed', err: errorText(err) }, 'webhook failed');
    return reply(res, 500, WebhookReply.triggerFailed);
  }
  ctx.log.info({ ...target, event, outcome: 'triggered' }, 'webhook accepted');
  reply(res, 202, WebhookReply.accepted);
}

/** 401; the reason is logged (it never holds the secret or the signature), not sent. */
function refuse(
  res: ServerResponse,
  target: HookTarget,
  ctx: Context,
  why: { reason: string; body?: string },
): void {
  ctx.log.warn({ ...target, outcome: 'unauthorized', reason: why.reason }, 'webhook refused');
  reply(res, 401, why.body ?? WebhookReply.unauthorized);
}

/** 413, closing the connection so the rest of the body is never read. */
function refuseTooLarge(res: ServerResponse, target: HookTarget, ctx: Context): void {
  ctx.log.warn({ ...target, outcome: 'too-large', limit: ctx.maxBodyBytes }, 'webhook refused');
  reply(res, 413, WebhookReply.tooLarge, { connection: 'close' });
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
    .end(`${body}\n`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
