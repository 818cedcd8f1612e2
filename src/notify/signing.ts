// HMAC-SHA256 signatures of generic webhook deliveries. The timestamp is part of the signed text so
// a receiver can refuse a captured request replayed later; the same helper that signs also
// verifies, for receivers written in TypeScript and for the tests.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the Unix time (seconds) the request was signed at. */
export const timestampHeader = 'X-Ramp-Timestamp';
/** Header carrying `sha256=<hex HMAC of timestamp + "." + body>`. */
export const signatureHeader = 'X-Ramp-Signature';
/** How old (or how far in the future) a signed request may be: 5 minutes. */
export const defaultToleranceSeconds = 300;

/** The signature header value for a body signed at `timestamp` (Unix seconds). */
export function signBody(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `sha256=${mac}`;
}

/** The two headers of a signed request, stamped now unless a time is given. */
export function signatureHeaders(
  secret: string,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    [timestampHeader]: String(nowSeconds),
    [signatureHeader]: signBody(secret, nowSeconds, body),
  };
}

/** Why a signed request was refused, or ok. */
export type Verification = { ok: true } | { ok: false; reason: string };

/** Checks a received request: well-formed headers, fresh timestamp, matching HMAC (constant time). */
export function verifySignature(opts: {
  secret: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds?: number;
  toleranceSeconds?: number;
}): Verification {
  const ts = Number(opts.timestamp);
  if (!opts.timestamp || !/^\d+$/.test(opts.timestamp) || !Number.isSafeInteger(ts)) {
    return { ok: false, reason: `missing or malformed ${timestampHeader}` };
  }
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? defaultToleranceSeconds)) {
    return { ok: false, reason: 'timestamp outside the tolerance (replayed or clock skew)' };
  }
  const expected = Buffer.from(signBody(opts.secret, ts, opts.body));
  const given = Buffer.from(opts.signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true };
}
