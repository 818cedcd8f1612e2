import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  signatureHeader,
  signatureHeaders,
  signBody,
  timestampHeader,
  verifySignature,
} from '../../src/notify/signing.js';

const secret = 'hmac-key';
const body = '{"trigger":"on-analysis-run-failed"}';
const now = 1_746_100_000;

describe('signing', () => {
  it('signs timestamp + "." + body with HMAC-SHA256, hex', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(signBody(secret, now, body)).toBe(`sha256=${expected}`);
    expect(signatureHeaders(secret, body, now)).toEqual({
      [timestampHeader]: String(now),
      [signatureHeader]: `sha256=${expected}`,
    });
  });

  const good = signBody(secret, now, body);
  it.each<[string, Partial<Parameters<typeof verifySignature>[0]>, string | undefined]>([
    ['a fresh, matching request', {}, undefined],
    ['4 minutes old', { nowSeconds: now + 240 }, undefined],
    ['6 minutes old: a replay', { nowSeconds: now + 360 }, 'timestamp outside the tolerance'],
    ['6 minutes in the future', { nowSeconds: now - 360 }, 'timestamp outside the tolerance'],
    ['a changed body', { body: `${body} ` }, 'signature does not match'],
    ['another key', { secret: 'other' }, 'signature does not match'],
    ['a changed timestamp', { timestamp: String(now + 1) }, 'signature does not match'],
    ['no signature', { signature: undefined }, 'signature does not match'],
    ['a truncated signature', { signature: good.slice(0, 20) }, 'signature does not match'],
    ['no timestamp', { timestamp: undefined }, 'missing or malformed X-Ramp-Timestamp'],
    ['a malformed timestamp', { timestamp: '12e3' }, 'missing or malformed X-Ramp-Timestamp'],
  ])('%s', (_name, change, reason) => {
    const result = verifySignature({
      secret,
      body,
      timestamp: String(now),
      signature: good,
      nowSeconds: now,
      ...change,
    });
    expect(result.ok ? undefined : result.reason).toEqual(
      reason === undefined ? undefined : expect.stringContaining(reason),
    );
  });
});
