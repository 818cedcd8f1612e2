// ramp's Git client against real git over HTTP on loopback: auth (basic, bearer), shallow
// checkouts of branch / tag / semver / pinned commits, the fallback for servers that refuse a
// fetch by SHA, digests, the checkout cache, and failures (auth, timeout, unreachable).
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { GitAuth } from '../../src/decide/gitops/git-auth.js';
import { resolveRef, type GitRepositoryRef } from '../../src/decide/gitops/ref.js';
import { GitClient, type GitClientOptions } from '../../src/gitops/git/client.js';
import { GitError } from '../../src/gitops/git/errors.js';
import { gitInvocation, sshCommand } from '../../src/gitops/git/invocation.js';
import { gitEnv } from '../../src/local/git-work.js';
import { runCommand } from '../../src/local/exec.js';
import { startGitServer, type GitServer } from '../../src/local/git-server.js';
import { freePort } from '../../src/local/ports.js';

const USER = 'ci';
const PASSWORD = 'pa55-w0rd-secret';
const TOKEN = 'tok-0123456789-secret';
const basic: GitAuth = { kind: 'basic', username: USER, password: PASSWORD };
const bearer: GitAuth = { kind: 'bearer', token: TOKEN };
const none: GitAuth = { kind: 'none' };
const TIMEOUT = 30_000;

let dir: string;
let server: GitServer;
let bearerServer: GitServer;
let url: string;
let bearerUrl: string;
/** Commit SHAs of main, oldest first: c[0]..c[4]. */
const c: string[] = [];
let sameContent: string;
const cleanups: (() => Promise<void>)[] = [];

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await runCommand('git', args, { cwd, env: gitEnv });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Five commits on main, each changing app.yaml; tags at c1 (lightweight) and c2 (annotated). */
async function seed(work: string, bare: string): Promise<void> {
  await git(work, 'init', '--initial-branch=main', '.');
  for (let i = 0; i < 5; i++) {
    await writeFile(join(work, 'app.yaml'), `version: ${i}\n`);
    await writeFile(join(work, 'README.md'), `commit ${i}\n`);
    await git(work, 'add', '.');
    await git(work, 'commit', '-m', `commit ${i}`);
    c.push(await git(work, 'rev-parse', 'HEAD'));
  }
  await git(work, 'tag', 'v1.0.0', c[1]!);
  await git(work, 'tag', '-a', 'v1.1.0', '-m', 'release 1.1', c[2]!);
  await git(work, 'tag', 'v2.0.0-rc.1', c[3]!);
  await git(work, 'checkout', '-b', 'same-content');
  await git(work, 'commit', '--allow-empty', '-m', 'only a message');
  sameContent = await git(work, 'rev-parse', 'HEAD');
  await git(work, 'push', bare, 'main', 'same-content', '--tags');
}

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(dir, prefix));
}

async function client(opts: Partial<GitClientOptions> = {}): Promise<GitClient> {
  return new GitClient({ cacheDir: await tempDir('cache-'), ...opts });
}

/** A client that records, for every fetch, how much history the temp repository got. */
async function recordingClient(
  opts: Partial<GitClientOptions> = {},
): Promise<{ git: GitClient; fetched: { shallow: string; commits: number }[] }> {
  const fetched: { shallow: string; commits: number }[] = [];
  const onFetched = async (repo: string) => {
    const shallow = await git(repo, 'rev-parse', '--is-shallow-repository');
    const all = await git(repo, 'rev-list', '--count', '--all', 'HEAD');
    fetched.push({ shallow, commits: Number(all) });
  };
  return { git: await client({ ...opts, onFetched }), fetched };
}

/** A git wrapper script: real git, with extra behaviour before it. */
async function wrapper(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

async function checkoutRef(
  git: GitClient,
  ref: GitRepositoryRef | undefined,
  auth: GitAuth = basic,
) {
  const resolution = resolveRef(ref, await git.lsRemote(url, auth, TIMEOUT));
  if (!resolution.ok) throw new Error(resolution.message);
  return { resolution, checkout: await git.checkout(url, auth, resolution, TIMEOUT) };
}

async function fileAt(sha: string, path: string): Promise<string> {
  return git(join(dir, 'work'), 'show', `${sha}:${path}`);
}

async function expectGitError(promise: Promise<unknown>, kind: string): Promise<GitError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GitError);
  expect((err as GitError).kind).toBe(kind);
  return err as GitError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ramp-gitops-git-'));
  const root = await tempDir('srv-');
  server = await startGitServer({ root, basicAuth: { username: USER, password: PASSWORD } });
  url = await server.createRepository('app');
  const bearerRoot = await tempDir('srv-');
  bearerServer = await startGitServer({ root: bearerRoot, bearerToken: TOKEN });
  bearerUrl = await bearerServer.createRepository('app');
  const work = join(dir, 'work');
  await mkdir(work);
  await seed(work, join(root, 'app.git'));
  await git(work, 'push', join(bearerRoot, 'app.git'), 'main');
});

afterAll(async () => {
  await Promise.all(cleanups.map((fn) => fn()));
  await Promise.all([server?.stop(), bearerServer?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('lsRemote', () => {
  it('lists refs with basic auth, peeling annotated tags', async () => {
    const remote = await (await client()).lsRemote(url, basic, TIMEOUT);
    expect(remote.headTarget).toBe('refs/heads/main');
    expect(remote.refs).toContainEqual({ name: 'refs/heads/main', sha: c[4] });
    expect(remote.refs).toContainEqual({ name: 'refs/tags/v1.1.0', sha: c[2] });
  });

  it.each<[string, GitAuth]>([
    ['a wrong password', { kind: 'basic', username: USER, password: 'wrong-pa55-guess' }],
    ['no credentials', none],
    ['a token the server does not take', { kind: 'bearer', token: 'bad-token-value' }],
  ])('fails with kind auth for %s, without the secret in the message', async (_name, auth) => {
    const err = await expectGitError((await client()).lsRemote(url, auth, TIMEOUT), 'auth');
    expect(err.message).toMatch(/^git ls-remote failed: /);
    for (const secret of ['wrong-pa55-guess', 'bad-token-value', PASSWORD]) {
      expect(err.message).not.toContain(secret);
    }
  });

  it('authenticates with a bearer token', async () => {
    const remote = await (await client()).lsRemote(bearerUrl, bearer, TIMEOUT);
    expect(remote.refs).toContainEqual({ name: 'refs/heads/main', sha: c[4] });
    const wrong: GitAuth = { kind: 'bearer', token: 'nope-not-it' };
    const err = await expectGitError((await client()).lsRemote(bearerUrl, wrong, TIMEOUT), 'auth');
    expect(err.message).not.toContain('nope-not-it');
  });

  it('refuses a URL that carries credentials', async () => {
    const withCreds = url.replace('http://', `http://${USER}:${PASSWORD}@`);
    const err = await expectGitError((await client()).lsRemote(withCreds, none, TIMEOUT), 'auth');
    expect(err.message).toContain('must not contain credentials');
    expect(err.message).not.toContain(PASSWORD);
  });

  it('reports a missing repository as notFound', async () => {
    const missing = `${server.url}/nothing-here.git`;
    await expectGitError((await client()).lsRemote(missing, basic, TIMEOUT), 'notFound');
  });
});

describe('checkout', () => {
  it.each<[string, GitRepositoryRef | undefined, number, string]>([
    ['the remote HEAD', undefined, 4, 'main@sha1:'],
    ['a branch', { branch: 'main' }, 4, 'main@sha1:'],
    ['a lightweight tag', { tag: 'v1.0.0' }, 1, 'v1.0.0@sha1:'],
    ['an annotated tag', { tag: 'v1.1.0' }, 2, 'v1.1.0@sha1:'],
    ['a semver range', { semver: '^1.0.0' }, 2, 'v1.1.0@sha1:'],
    ['a pinned older commit', { commit: 'C1', branch: 'main' }, 1, 'main@sha1:'],
    ['a bare pinned commit', { commit: 'C0' }, 0, 'sha1:'],
  ])('materialises %s shallowly, without .git', async (_name, ref, index, revisionPrefix) => {
    const pinned = ref?.commit ? { ...ref, commit: c[Number(ref.commit.slice(1))]! } : ref;
    const { git: gitClient, fetched } = await recordingClient();
    const { resolution, checkout } = await checkoutRef(gitClient, pinned);
    expect(resolution).toMatchObject({ ok: true, revision: `${revisionPrefix}${c[index]}` });
    expect(checkout.sha).toBe(c[index]);
    expect(await readFile(join(checkout.dir, 'app.yaml'), 'utf8')).toBe(`version: ${index}\n`);
    expect((await readdir(checkout.dir)).sort()).toEqual(['README.md', 'app.yaml']);
    expect(checkout.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The repository has 5 commits; a full clone would have all of them up to the target.
    expect(fetched).toEqual([{ shallow: 'true', commits: 1 }]);
  });

  it('falls back to a deeper fetch when the server refuses a commit by SHA (protocol v0)', async () => {
    const v0 = await wrapper('git-v0', 'exec git -c protocol.version=0 "$@"');
    const { git: gitClient, fetched } = await recordingClient({ gitBinary: v0 });
    const { checkout } = await checkoutRef(gitClient, { commit: c[0]!, branch: 'main' });
    expect(await readFile(join(checkout.dir, 'app.yaml'), 'utf8')).toBe('version: 0\n');
    expect(fetched).toEqual([{ shallow: 'false', commits: 5 }]);
    expect(await readFile(join(checkout.dir, 'README.md'), 'utf8')).toBe(
      `${await fileAt(c[0]!, 'README.md')}\n`,
    );
  });

  it('fails with notFound for a bare pinned commit the server will not hand out', async () => {
    const v0 = await wrapper('git-v0', 'exec git -c protocol.version=0 "$@"');
    const gitClient = await client({ gitBinary: v0 });
    const target = { refName: '', sha: c[0]! };
    const err = await expectGitError(gitClient.checkout(url, basic, target, TIMEOUT), 'notFound');
    expect(err.message).toMatch(/^git fetch failed: .*unadvertised object/);
  });

  it('fails with notFound for a commit that exists nowhere', async () => {
    const target = { refName: 'refs/heads/main', sha: 'f'.repeat(40) };
    const err = await expectGitError(
      (await client()).checkout(url, basic, target, TIMEOUT),
      'notFound',
    );
    expect(err.message).toBe(
      `commit ${'f'.repeat(40)} not found in the history of refs/heads/main`,
    );
  });

  it('keeps credentials out of every git command line', async () => {
    const log = join(dir, 'argv.log');
    const logging = await wrapper('git-log', `printf '%s\\n' "$*" >> '${log}'\nexec git "$@"`);
    const gitClient = await client({ gitBinary: logging });
    await checkoutRef(gitClient, undefined);
    await gitClient.lsRemote(bearerUrl, bearer, TIMEOUT);
    const argv = await readFile(log, 'utf8');
    expect(argv).toContain('ls-remote');
    expect(argv).toContain('fetch');
    for (const secret of [PASSWORD, TOKEN, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')]) {
      expect(argv).not.toContain(secret);
    }
  });
});

describe('digest and cache', () => {
  it('is stable for the same content and changes with it', async () => {
    const first = await (await client()).checkout(url, basic, { refName: '', sha: c[4]! }, TIMEOUT);
    const again = await (await client()).checkout(url, basic, { refName: '', sha: c[4]! }, TIMEOUT);
    const older = await (await client()).checkout(url, basic, { refName: '', sha: c[3]! }, TIMEOUT);
    const sameFiles = await (
      await client()
    ).checkout(url, basic, { refName: '', sha: sameContent }, TIMEOUT);
    expect(again.digest).toBe(first.digest);
    expect(older.digest).not.toBe(first.digest);
    // A commit that changes only the message has the same files, so the same digest.
    expect(sameFiles.digest).toBe(first.digest);
  });

  it('finds a checkout in the cache, and nothing for an unknown commit', async () => {
    const gitClient = await client();
    const checkout = await gitClient.checkout(url, basic, { refName: '', sha: c[2]! }, TIMEOUT);
    expect(await gitClient.cached(url, c[2]!)).toEqual(checkout);
    expect(await gitClient.cached(url, c[3]!)).toBeUndefined();
    expect(await gitClient.cached(bearerUrl, c[2]!)).toBeUndefined();
  });

  it('survives two concurrent checkouts of the same commit', async () => {
    const gitClient = await client();
    const target = { refName: 'refs/heads/main', sha: c[4]! };
    const [a, b] = await Promise.all([
      gitClient.checkout(url, basic, target, TIMEOUT),
      gitClient.checkout(url, basic, target, TIMEOUT),
    ]);
    expect(a).toEqual(b);
    expect((await readdir(a.dir)).sort()).toEqual(['README.md', 'app.yaml']);
    expect(await readFile(join(a.dir, 'app.yaml'), 'utf8')).toBe('version: 4\n');
  });

  it('keeps only the three most recently used checkouts of a URL', async () => {
    const gitClient = await client({ inUseMs: 0 });
    const checkouts = [];
    for (const sha of c)
      checkouts.push(await gitClient.checkout(url, basic, { refName: '', sha }, TIMEOUT));
    const kept = await Promise.all(c.map((sha) => gitClient.cached(url, sha)));
    expect(kept.map((k) => k !== undefined)).toEqual([false, false, true, true, true]);
    await expect(stat(checkouts[0]!.dir)).rejects.toThrow(/ENOENT/);
    const urlDir = join(checkouts[4]!.dir, '..');
    expect((await readdir(urlDir)).filter((n) => !n.endsWith('.digest')).sort()).toEqual(
      [c[2], c[3], c[4]].sort(),
    );
  });

  it('never evicts a checkout used in the last ten minutes (a render may be copying it)', async () => {
    const gitClient = await client();
    for (const sha of c) await gitClient.checkout(url, basic, { refName: '', sha }, TIMEOUT);
    const kept = await Promise.all(c.map((sha) => gitClient.cached(url, sha)));
    expect(kept.every((k) => k !== undefined)).toBe(true);
  });
});

describe('failures', () => {
  it('times out against a server that accepts and never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    });
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const silentUrl = `http://127.0.0.1:${port}/app.git`;
    const gitClient = await client();
    const ls = await expectGitError(gitClient.lsRemote(silentUrl, none, 1000), 'timeout');
    expect(ls.message).toBe('git ls-remote timed out after 1s');
    const target = { refName: '', sha: c[0]! };
    const fetch = await expectGitError(
      gitClient.checkout(silentUrl, none, target, 1500),
      'timeout',
    );
    expect(fetch.message).toBe('git fetch timed out after 1500ms');
  });

  it('reports a closed port as a network failure', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/app.git`;
    await expectGitError((await client()).lsRemote(closed, basic, TIMEOUT), 'network');
  });

  it('runs ssh with the key and known_hosts in private files it removes afterwards', async () => {
    // No sshd here: the ssh client really runs with our files and fails to connect.
    const log = join(dir, 'ssh.log');
    const logging = await wrapper(
      'git-ssh',
      [
        `printf '%s\\n' "$GIT_SSH_COMMAND" >> '${log}'`,
        `stat -c '%a' "$HOME" "$HOME/identity" "$HOME/known_hosts" >> '${log}'`,
        'exec git "$@"',
      ].join('\n'),
    );
    const ssh: GitAuth = {
      kind: 'ssh',
      identity:
        '-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n-----END OPENSSH PRIVATE KEY-----',
      knownHosts: '[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE3x',
    };
    const closed = `ssh://git@127.0.0.1:${await freePort()}/app.git`;
    await expectGitError(
      (await client({ gitBinary: logging })).lsRemote(closed, ssh, TIMEOUT),
      'network',
    );
    const [command, ...modes] = (await readFile(log, 'utf8')).trim().split('\n');
    expect(modes).toEqual(['700', '600', '600']);
    expect(command).toMatch(
      /^ssh -F \/dev\/null -i '(.+)\/identity' -o UserKnownHostsFile='\1\/known_hosts' -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes$/,
    );
    const home = /-i '(.+)\/identity'/.exec(command!)![1]!;
    await expect(stat(home)).rejects.toThrow(/ENOENT/);
  });
});

describe('gitInvocation', () => {
  const paths = { home: '/tmp/h', identityFile: '/tmp/h/identity', knownHostsFile: '/tmp/h/kh' };

  it.each<[string, GitAuth, string]>([
    [
      'basic',
      basic,
      `Authorization: Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
    ],
    ['bearer', bearer, `Authorization: Bearer ${TOKEN}`],
  ])(
    'passes %s credentials as an http.extraHeader in the environment only',
    (_name, auth, header) => {
      const { args, env } = gitInvocation(['fetch', '--', url, 'HEAD'], auth, paths);
      expect(env).toMatchObject({
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'http.extraHeader',
        GIT_CONFIG_VALUE_0: header,
      });
      const argv = args.join(' ');
      for (const secret of [PASSWORD, TOKEN, header]) expect(argv).not.toContain(secret);
    },
  );

  it('hardens every call', () => {
    const { args, env } = gitInvocation(['ls-remote', '--', url], none, paths);
    expect(args.slice(-3)).toEqual(['ls-remote', '--', url]);
    expect(args.join(' ')).toContain('-c protocol.ext.allow=never');
    expect(args.join(' ')).toContain('-c core.hooksPath=/dev/null');
    expect(env).toMatchObject({
      HOME: '/tmp/h',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    });
    expect(env).not.toHaveProperty('GIT_CONFIG_COUNT');
  });

  it('points ssh at the private files', () => {
    const { env } = gitInvocation(
      ['ls-remote'],
      { kind: 'ssh', identity: 'K', knownHosts: 'H' },
      paths,
    );
    expect(env['GIT_SSH_COMMAND']).toBe(sshCommand(paths));
    expect(env['GIT_SSH_COMMAND']).toBe(
      "ssh -F /dev/null -i '/tmp/h/identity' -o UserKnownHostsFile='/tmp/h/kh' -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes",
    );
  });
});
