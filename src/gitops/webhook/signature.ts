// HMAC-SHA256 signatures of incoming Git webhooks, in GitHub's format (`sha256=<hex>` over the raw
// body). Gitea sends the same header, and GitLab-style relays and scripts can send the generic one.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** GitHub's (and Gitea's) signature header. */
export const githubSignatureHeader = 'x-hub-signature-256';
/** The generic signature header, same format, for relays and scripts. */
export const genericSignatureHeader = 'x-signature-256';

/** Why a signature was refused, or ok; reasons never contain the secret or the signature. */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const sha256Hex = /^sha256=([0-9a-fA-F]{64})$/;

/** The header value that signs `body` with `secret`: `sha256=<lower-case hex HMAC-SHA256>`. */
export function signPayload(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Checks `header` against the HMAC of the raw body in constant time. Hex is case-insensitive, as
 * hex is; the digest length is fixed, so only the length check is not constant time.
 */
export function verifyPayloadSignature(
  secret: string,
  body: Buffer | string,
  header: string | undefined,
): SignatureCheck {
  if (header === undefined || header === '') return { ok: false, reason: 'missing signature' };
  const match = sha256Hex.exec(header.trim());
  if (!match?.[1]) return { ok: false, reason: 'malformed signature (want sha256=<64 hex>)' };
  const given = Buffer.from(match[1], 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}

/** The signature a request carries: GitHub's header first, else the generic one. */
export function signatureOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const value = headers[githubSignatureHeader] ?? headers[genericSignatureHeader];
  return Array.isArray(value) ? value[0] : value;
}
