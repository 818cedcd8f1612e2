// The pure parts of the webhook receiver: signature checks (with GitHub's published example), the
// hook path, and the token buckets with a hand-driven clock.
import { describe, expect, it } from 'vitest';

import { RateLimiter, retryAfterSeconds } from '../../src/gitops/webhook/rate-limit.js';
import { hookPath, parseHookPath } from '../../src/gitops/webhook/route.js';
import {
  signatureOf,
  signPayload,
  verifyPayloadSignature,
} from '../../src/gitops/webhook/signature.js';

// From GitHub's "Validating webhook deliveries" documentation.
const githubSecret = "It's a Secret to Everybody";
const githubBody = 'Hello, World!';
const githubSignature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('verifyPayloadSignature', () => {
  it('signPayload reproduces GitHub’s published example', () => {
    expect(signPayload(githubSecret, githubBody)).toBe(githubSignature);
    expect(signPayload(githubSecret, Buffer.from(githubBody))).toBe(githubSignature);
  });

  const hex = githubSignature.slice('sha256='.length);
  it.each<[string, string, string, string | undefined, string | undefined]>([
    ['GitHub’s example', githubSecret, githubBody, githubSignature, undefined],
    ['upper-case hex', githubSecret, githubBody, `sha256=${hex.toUpperCase()}`, undefined],
    ['surrounding blanks', githubSecret, githubBody, ` ${githubSignature} `, undefined],
    ['a Buffer body', githubSecret, githubBody, githubSignature, undefined],
    ['the wrong secret', 'another secret', githubBody, githubSignature, 'does not match'],
    ['another body', githubSecret, 'Hello, World?', githubSignature, 'does not match'],
    ['no header', githubSecret, githubBody, undefined, 'missing'],
    ['an empty header', githubSecret, githubBody, '', 'missing'],
    ['a truncated digest', githubSecret, githubBody, githubSignature.slice(0, -2), 'malformed'],
    ['a longer digest', githubSecret, githubBody, `${githubSignature}00`, 'malformed'],
    ['no sha256= prefix', githubSecret, githubBody, hex, 'malformed'],
    ['the sha1 prefix', githubSecret, githubBody, `sha1=${hex}`, 'malformed'],
    ['non-hex digits', githubSecret, githubBody, `sha256=${'z'.repeat(64)}`, 'malformed'],
    [
      'two signatures joined',
      githubSecret,
      githubBody,
      `${githubSignature}, ${githubSignature}`,
      'malformed',
    ],
  ])('%s', (what, secret, body, header, refusal) => {
    const check = verifyPayloadSignature(
      secret,
      what === 'a Buffer body' ? Buffer.from(body) : body,
      header,
    );
    if (refusal === undefined) expect(check).toEqual({ ok: true });
    else expect(check).toEqual({ ok: false, reason: expect.stringContaining(refusal) as string });
  });

  it('reasons never contain the signature', () => {
    const check = verifyPayloadSignature('x', githubBody, githubSignature);
    expect(JSON.stringify(check)).not.toContain(hex);
  });
});

describe('signatureOf', () => {
  it.each<[string, Record<string, string | string[] | undefined>, string | undefined]>([
    ['GitHub’s header', { 'x-hub-signature-256': 'sha256=a' }, 'sha256=a'],
    ['the generic header', { 'x-signature-256': 'sha256=b' }, 'sha256=b'],
    [
      'both: GitHub’s wins',
      { 'x-hub-signature-256': 'sha256=a', 'x-signature-256': 'sha256=b' },
      'sha256=a',
    ],
    ['neither', { 'x-hub-signature': 'sha1=c' }, undefined],
    ['a repeated header: the first', { 'x-signature-256': ['sha256=d', 'sha256=e'] }, 'sha256=d'],
  ])('%s', (_what, headers, expected) => {
    expect(signatureOf(headers)).toBe(expected);
  });
});

describe('parseHookPath', () => {
  it.each<[string, { namespace: string; name: string } | undefined]>([
    ['/hooks/apps/site', { namespace: 'apps', name: 'site' }],
    ['/hooks/apps/site?x=1', { namespace: 'apps', name: 'site' }],
    ['/hooks/team-a/repo.v2', { namespace: 'team-a', name: 'repo.v2' }],
    ['/hooks/apps/site/', undefined],
    ['/hooks/apps', undefined],
    ['/hooks/apps/site/more', undefined],
    ['/hook/apps/site', undefined],
    ['/hooks/Apps/site', undefined],
    ['/hooks/a.b/site', undefined],
    ['/hooks/apps/-site', undefined],
    ['/hooks/apps/%2e%2e', undefined],
    ['/hooks/../hooks/apps/site', { namespace: 'apps', name: 'site' }],
    ['/', undefined],
  ])('%s', (path, expected) => {
    expect(parseHookPath(path)).toEqual(expected);
  });

  it('round-trips hookPath', () => {
    expect(parseHookPath(hookPath('apps', 'site'))).toEqual({ namespace: 'apps', name: 'site' });
  });
});

describe('RateLimiter', () => {
  const perKey = { perMinute: 60, burst: 2 };
  const total = { perMinute: 600, burst: 3 };

  it.each<[string, [string, number][], ({ ok: true } | { ok: false; retryAfterMs: number })[]]>([
    [
      'a burst, then one per second',
      [
        ['a', 0],
        ['a', 0],
        ['a', 0],
        ['a', 999],
        ['a', 1000],
      ],
      [
        { ok: true },
        { ok: true },
        { ok: false, retryAfterMs: 1000 },
        { ok: false, retryAfterMs: 1 },
        { ok: true },
      ],
    ],
    [
      'refused calls take no token',
      [
        ['a', 0],
        ['a', 0],
        ['a', 500],
        ['a', 500],
        ['a', 1000],
        ['a', 1000],
      ],
      [
        { ok: true },
        { ok: true },
        { ok: false, retryAfterMs: 500 },
        { ok: false, retryAfterMs: 500 },
        { ok: true },
        { ok: false, retryAfterMs: 1000 },
      ],
    ],
    [
      'each key has its own bucket; the overall one caps them all',
      [
        ['a', 0],
        ['b', 0],
        ['c', 0],
        ['d', 0],
        ['d', 100],
      ],
      [{ ok: true }, { ok: true }, { ok: true }, { ok: false, retryAfterMs: 100 }, { ok: true }],
    ],
    [
      'a quiet spell refills up to the burst only',
      [
        ['a', 0],
        ['a', 0],
        ['a', 600_000],
        ['a', 600_000],
        ['a', 600_000],
      ],
      [{ ok: true }, { ok: true }, { ok: true }, { ok: true }, { ok: false, retryAfterMs: 1000 }],
    ],
  ])('%s', (_what, calls, expected) => {
    const limiter = new RateLimiter(perKey, total, 0);
    expect(calls.map(([key, at]) => limiter.admit(key, at))).toEqual(expected);
  });

  it('forgets keys whose buckets are full again once many are tracked', () => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 1 }, { perMinute: 1e9, burst: 1e6 }, 0);
    for (let i = 0; i < 1001; i++) limiter.admit(`k${i}`, 0);
    expect(limiter.size).toBe(1001);
    limiter.admit('late', 5_000);
    expect(limiter.size).toBe(1);
  });

  it.each([
    [0, 1],
    [1, 1],
    [1000, 1],
    [1001, 2],
    [59_500, 60],
  ])('retryAfterSeconds(%i) = %i', (ms, seconds) => {
    expect(retryAfterSeconds(ms)).toBe(seconds);
  });
});
