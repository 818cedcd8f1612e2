import { describe, expect, it } from 'vitest';

import {
  parseLsRemote,
  resolveRef,
  shaOfRevision,
  type GitRepositoryRef,
  type RemoteRefs,
} from '../../src/decide/gitops/ref.js';

const sha = (c: string) => c.repeat(40);
const MAIN = sha('a');
const DEV = sha('b');
const V1_TAG_OBJECT = sha('c');
const V1 = sha('d');
const V12 = sha('e');
const V2_RC = sha('f');
const V13 = sha('1');
const OLD = sha('2');

// What `git ls-remote --symref` prints for a repository with an annotated tag v1.0.0.
const LS_REMOTE = [
  `ref: refs/heads/main\tHEAD`,
  `${MAIN}\tHEAD`,
  `${DEV}\trefs/heads/dev`,
  `${MAIN}\trefs/heads/main`,
  `${V1_TAG_OBJECT}\trefs/tags/v1.0.0`,
  `${V1}\trefs/tags/v1.0.0^{}`,
  `${V12}\trefs/tags/v1.2.0`,
  `${V13}\trefs/tags/1.3.0`,
  `${V2_RC}\trefs/tags/v2.0.0-rc.1`,
  `${OLD}\trefs/tags/not-a-version`,
  '',
].join('\n');

const remote: RemoteRefs = parseLsRemote(LS_REMOTE);

describe('parseLsRemote', () => {
  it('reads the HEAD symref and every ref', () => {
    expect(remote.headTarget).toBe('refs/heads/main');
    expect(remote.refs.map((r) => r.name)).toEqual([
      'HEAD',
      'refs/heads/dev',
      'refs/heads/main',
      'refs/tags/v1.0.0',
      'refs/tags/v1.2.0',
      'refs/tags/1.3.0',
      'refs/tags/v2.0.0-rc.1',
      'refs/tags/not-a-version',
    ]);
  });

  it('uses the peeled commit of an annotated tag, whatever the line order', () => {
    expect(remote.refs.find((r) => r.name === 'refs/tags/v1.0.0')?.sha).toBe(V1);
    const reversed = parseLsRemote(`${V1}\trefs/tags/x^{}\n${V1_TAG_OBJECT}\trefs/tags/x\n`);
    expect(reversed.refs).toEqual([{ name: 'refs/tags/x', sha: V1 }]);
  });

  it.each([
    ['', { refs: [] }],
    ['\n\n', { refs: [] }],
    [`${MAIN}\trefs/heads/main\r\n`, { refs: [{ name: 'refs/heads/main', sha: MAIN }] }],
    ['garbage without tab', { refs: [] }],
  ])('reads %j', (stdout, expected) => {
    expect(parseLsRemote(stdout)).toEqual(expected);
  });
});

describe('resolveRef', () => {
  it.each<[string, GitRepositoryRef | undefined, string, string, string]>([
    ['no ref: the remote HEAD branch', undefined, 'refs/heads/main', MAIN, `main@sha1:${MAIN}`],
    ['an empty ref: the remote HEAD', {}, 'refs/heads/main', MAIN, `main@sha1:${MAIN}`],
    ['a branch', { branch: 'dev' }, 'refs/heads/dev', DEV, `dev@sha1:${DEV}`],
    ['a lightweight tag', { tag: 'v1.2.0' }, 'refs/tags/v1.2.0', V12, `v1.2.0@sha1:${V12}`],
    ['an annotated tag, peeled', { tag: 'v1.0.0' }, 'refs/tags/v1.0.0', V1, `v1.0.0@sha1:${V1}`],
    [
      'tag over branch',
      { branch: 'dev', tag: 'v1.2.0' },
      'refs/tags/v1.2.0',
      V12,
      `v1.2.0@sha1:${V12}`,
    ],
    ['semver: highest match', { semver: '^1.0.0' }, 'refs/tags/1.3.0', V13, `1.3.0@sha1:${V13}`],
    ['semver: v prefix', { semver: '~1.2' }, 'refs/tags/v1.2.0', V12, `v1.2.0@sha1:${V12}`],
    ['semver: v in the range', { semver: 'v1.0.x' }, 'refs/tags/v1.0.0', V1, `v1.0.0@sha1:${V1}`],
    [
      'semver: prerelease ignored',
      { semver: '>=1.0.0' },
      'refs/tags/1.3.0',
      V13,
      `1.3.0@sha1:${V13}`,
    ],
    [
      'semver: prerelease when the range asks',
      { semver: '>=2.0.0-rc.0' },
      'refs/tags/v2.0.0-rc.1',
      V2_RC,
      `v2.0.0-rc.1@sha1:${V2_RC}`,
    ],
    [
      'semver over tag',
      { semver: '1.2.x', tag: 'v1.0.0' },
      'refs/tags/v1.2.0',
      V12,
      `v1.2.0@sha1:${V12}`,
    ],
    ['a bare commit', { commit: OLD }, '', OLD, `sha1:${OLD}`],
    ['commit over everything', { commit: OLD, semver: '*', tag: 'v1.0.0' }, '', OLD, `sha1:${OLD}`],
    [
      'commit on a branch (not its tip)',
      { commit: OLD, branch: 'dev' },
      'refs/heads/dev',
      OLD,
      `dev@sha1:${OLD}`,
    ],
  ])('%s', (_name, ref, refName, expectedSha, revision) => {
    expect(resolveRef(ref, remote)).toEqual({ ok: true, refName, sha: expectedSha, revision });
  });

  it.each<[string, GitRepositoryRef | undefined, RemoteRefs, string]>([
    ['missing branch', { branch: 'x' }, remote, 'branch "x" not found'],
    ['missing tag', { tag: 'v9' }, remote, 'tag "v9" not found'],
    ['no semver match', { semver: '>=3.0.0' }, remote, 'no tag matches semver range ">=3.0.0"'],
    ['invalid semver', { semver: 'latest please' }, remote, 'invalid semver range "latest please"'],
    ['commit on a missing branch', { commit: OLD, branch: 'x' }, remote, 'branch "x" not found'],
    [
      'short commit',
      { commit: 'abc123' },
      remote,
      'invalid commit "abc123": want a full 40-character SHA-1',
    ],
    [
      'empty repository',
      undefined,
      { refs: [] },
      'the remote HEAD points to no branch (empty repository?); set spec.ref.branch',
    ],
    [
      'HEAD branch gone',
      undefined,
      { refs: [], headTarget: 'refs/heads/main' },
      'branch "main" not found',
    ],
    [
      'detached remote HEAD',
      {},
      { refs: [{ name: 'HEAD', sha: MAIN }] },
      'the remote HEAD points to no branch (empty repository?); set spec.ref.branch',
    ],
  ])('%s', (_name, ref, refs, message) => {
    expect(resolveRef(ref, refs)).toEqual({ ok: false, message });
  });
});

describe('shaOfRevision', () => {
  it.each([
    [`main@sha1:${MAIN}`, MAIN],
    [`v1.2.0@sha1:${V12}`, V12],
    [`sha1:${OLD}`, OLD],
    [`feature/x@sha1:${DEV}`, DEV],
    ['main@sha1:abc', undefined],
    [MAIN, undefined],
    ['', undefined],
    [`main@sha256:${MAIN}`, undefined],
  ])('%j -> %j', (revision, expected) => {
    expect(shaOfRevision(revision)).toBe(expected);
  });
});
