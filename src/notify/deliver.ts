// One delivery with a timeout per try and bounded retries with exponential backoff. Network
// errors, timeouts, 5xx and 429 are worth another try; any other 4xx is the request's fault and is
// not repeated. Failure reasons are scrubbed: webhook URLs (Slack, Teams and Discord put the
// credential in the path) and tokens must never reach a log line.
import { setTimeout as delay } from 'node:timers/promises';

import { signatureHeaders } from './signing.js';
import type { RetryOptions } from './types.js';

/** A failed try, and whether another one could succeed. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** One try of a delivery; throws DeliveryError (or any error, taken as a network failure). */
export type Attempt = (signal: AbortSignal) => Promise<void>;

/** How a delivery ended. */
export type Outcome =
  { ok: true; attempts: number } | { ok: false; attempts: number; reason: string };

/** Tries a delivery until it succeeds, fails for good, or runs out of attempts. */
export async function withRetries(
  attempt: Attempt,
  retry: RetryOptions,
  keepGoing: () => boolean = () => true,
): Promise<Outcome> {
  const attempts = Math.max(1, retry.attempts);
  for (let n = 1; ; n++) {
    const signal = AbortSignal.timeout(retry.timeoutMs);
    try {
      await untilAborted(attempt(signal), signal);
      return { ok: true, attempts: n };
    } catch (err) {
      const { retryable, reason } = classify(err, retry.timeoutMs);
      if (!retryable || n >= attempts) return { ok: false, attempts: n, reason };
    }
    await delay(retry.initialDelayMs * 2 ** (n - 1));
    if (!keepGoing()) return { ok: false, attempts: n, reason: 'stopped: no longer the leader' };
  }
}

/** Rejects when the signal fires even if the try itself ignores it (a Kubernetes request). */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function classify(err: unknown, timeoutMs: number): { retryable: boolean; reason: string } {
  if (err instanceof DeliveryError) return { retryable: err.retryable, reason: err.message };
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return { retryable: true, reason: `no answer within ${timeoutMs / 1000}s` };
  }
  // fetch reports network failures as TypeError with a cause; without one, the request itself
  // was refused (an invalid header), and its message may quote a header value.
  if (err instanceof TypeError && err.cause === undefined) {
    return { retryable: false, reason: 'invalid request (check the header names and values)' };
  }
  return { retryable: true, reason: networkReason(err) };
}

/** The most telling text of a network error: fetch wraps the socket error in `cause`. */
function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${err.message} (${code})` : `${err.message} (${cause.message})`;
  }
  return err.message || err.name;
}

/** An HTTP request of a sink. */
export interface HttpDelivery {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** HMAC key: the request is signed (X-Ramp-Timestamp, X-Ramp-Signature) at each try. */
  readonly signWith?: string | undefined;
  /** Inspects a 2xx answer's body (Slack's Web API answers 200 with `ok: false`). */
  readonly check?: ((text: string) => DeliveryError | undefined) | undefined;
}

/** The most of an answer read; receivers' bodies only matter for Slack's small JSON. */
const maxAnswerBytes = 64 * 1024;

/** The try of an HTTP delivery. */
export function httpAttempt(d: HttpDelivery): Attempt {
  return async (signal) => {
    // A GET carries no body; a signed GET signs the empty body.
    const body = d.method === 'GET' ? undefined : (d.body ?? '');
    const signed = d.signWith === undefined ? {} : signatureHeaders(d.signWith, body ?? '');
    const res = await fetch(d.url, {
      method: d.method,
      headers: { ...d.headers, ...signed },
      body: body ?? null,
      signal,
    });
    const text = await readCapped(res);
    const problem = statusProblem(res.status) ?? d.check?.(text);
    if (problem) throw problem;
  };
}

/** 5xx and 429 may pass; any other non-2xx is the request's fault. */
function statusProblem(status: number): DeliveryError | undefined {
  if (status === 429 || status >= 500) return new DeliveryError(`HTTP ${status}`, true);
  if (status < 200 || status >= 300) return new DeliveryError(`HTTP ${status}`, false);
  return undefined;
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early cancels the rest of the stream.
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= maxAnswerBytes) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Where a request went, as logs may show it: scheme, host and port only. */
export function shownDestination(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/** Removes secret values and URLs (down to their origin) from a text meant for a log line. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(/https?:\/\/[^\s"'<>]+/g, (u) => shownDestination(u));
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
