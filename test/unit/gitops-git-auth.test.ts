import { describe, expect, it } from 'vitest';

import {
  authFromSecret,
  redactCredentials,
  type GitAuth,
} from '../../src/decide/gitops/git-auth.js';

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBPjgnZYv1wf+xPv3SRoE0DfjUm3Xzv2rA5Cz5HMHeKtwAAAJgS0bp6EtG6',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');
const KNOWN = 'git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE3x\n';

describe('authFromSecret', () => {
  it.each<[string, string, Record<string, string>, GitAuth]>([
    [
      'https basic',
      'https://git.example.com/a.git',
      { username: 'ci', password: 's3cret' },
      { kind: 'basic', username: 'ci', password: 's3cret' },
    ],
    [
      'http basic (loopback tests)',
      'http://127.0.0.1:8080/a.git',
      { username: 'ci', password: 'p' },
      { kind: 'basic', username: 'ci', password: 'p' },
    ],
    [
      'https bearer',
      'https://git.example.com/a.git',
      { bearerToken: 'tok' },
      { kind: 'bearer', token: 'tok' },
    ],
    [
      'extra keys ignored',
      'https://git.example.com/a.git',
      { bearerToken: 'tok', 'ca.crt': 'x' },
      { kind: 'bearer', token: 'tok' },
    ],
    [
      'ssh',
      'ssh://git@git.example.com/a.git',
      { identity: KEY, known_hosts: KNOWN },
      { kind: 'ssh', identity: KEY, knownHosts: KNOWN },
    ],
  ])('%s', (_name, url, data, expected) => {
    expect(authFromSecret(url, data)).toEqual(expected);
  });

  it.each<[string, string, Record<string, string>, string]>([
    ['no keys', 'https://h/a.git', {}, 'the secret has neither username+password nor bearerToken'],
    [
      'username only',
      'https://h/a.git',
      { username: 'ci' },
      'the secret needs both username and password (one of them is missing or empty)',
    ],
    [
      'password only',
      'https://h/a.git',
      { password: 'p4ss-only' },
      'the secret needs both username and password (one of them is missing or empty)',
    ],
    [
      'both kinds',
      'https://h/a.git',
      { username: 'ci', password: 'p4ss', bearerToken: 'tok3n' },
      'the secret has both bearerToken and username/password; keep one of them',
    ],
    [
      'ssh without known_hosts',
      'ssh://git@h/a.git',
      { identity: KEY },
      'the secret for an ssh:// URL needs the keys identity and known_hosts (missing: known_hosts)',
    ],
    [
      'ssh with nothing',
      'ssh://git@h/a.git',
      { username: 'svc-user', password: 'p4ss' },
      'the secret for an ssh:// URL needs the keys identity and known_hosts (missing: identity, known_hosts)',
    ],
    [
      'file URL',
      'file:///srv/a.git',
      { username: 'svc-user', password: 'p4ss' },
      'a secretRef cannot be used with file:// URLs; only https://, http:// and ssh://',
    ],
    [
      'not a URL',
      'git.example.com:a.git',
      { password: 'p4ss' },
      'a secretRef cannot be used with git.example.com:// URLs; only https://, http:// and ssh://',
    ],
    ['garbage', '::::', { password: 'p4ss' }, 'spec.url is not a valid URL'],
  ])('%s is refused without showing a value', (_name, url, data, error) => {
    const result = authFromSecret(url, data);
    expect(result).toEqual({ error });
    for (const value of Object.values(data)) expect(error).not.toContain(value);
  });
});

describe('redactCredentials', () => {
  const basic: GitAuth = { kind: 'basic', username: 'ci', password: 's3cret!' };
  const bearer: GitAuth = { kind: 'bearer', token: 'ghp_abcdef123456' };
  const ssh: GitAuth = { kind: 'ssh', identity: KEY, knownHosts: KNOWN };
  const none: GitAuth = { kind: 'none' };

  it.each<[string, string, GitAuth, string]>([
    [
      'a password',
      "fatal: Authentication failed for 's3cret!'",
      basic,
      "fatal: Authentication failed for '***'",
    ],
    [
      'base64 basic header',
      'Authorization: Basic Y2k6czNjcmV0IQ==',
      basic,
      'Authorization: Basic ***',
    ],
    ['a token', 'Bearer ghp_abcdef123456 rejected', bearer, 'Bearer *** rejected'],
    ['a token twice', 'ghp_abcdef123456/ghp_abcdef123456', bearer, '***/***'],
    [
      'user:pass in a URL',
      "unable to access 'https://ci:other@h/a.git/'",
      none,
      "unable to access 'https://***@h/a.git/'",
    ],
    [
      'a token as URL user',
      "unable to access 'https://tok@h/a.git/'",
      none,
      "unable to access 'https://***@h/a.git/'",
    ],
    [
      'an ssh user is kept',
      'ssh://git@h/a.git: Permission denied',
      none,
      'ssh://git@h/a.git: Permission denied',
    ],
    ['an ssh password is not', 'ssh://git:pw@h/a.git', none, 'ssh://***@h/a.git'],
    ['a whole key', `key was:\n${KEY}`, ssh, 'key was:\n***'],
    ['a line of a key', `bad: ${KEY.split('\n')[1]}`, ssh, 'bad: ***'],
    ['nothing secret', 'fatal: repository not found', basic, 'fatal: repository not found'],
  ])('hides %s', (_name, text, auth, expected) => {
    expect(redactCredentials(text, auth)).toBe(expected);
  });

  it('leaves text alone when a secret value is empty', () => {
    expect(redactCredentials('abc', { kind: 'bearer', token: '' })).toBe('abc');
  });
});
