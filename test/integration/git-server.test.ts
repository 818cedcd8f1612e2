// The loopback git server is real git over HTTP: a pushed commit clones back intact, and basic
// auth is enforced when configured.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { gitEnv } from '../../src/local/git-work.js';
import { runCommand } from '../../src/local/exec.js';
import { startGitServer, type GitServer } from '../../src/local/git-server.js';

let dir: string;
const servers: GitServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ramp-git-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await runCommand('git', args, { cwd, env: gitEnv });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

async function start(
  opts: { basicAuth?: { username: string; password: string } } = {},
): Promise<GitServer> {
  const server = await startGitServer({ root: await mkdtemp(join(dir, 'srv-')), ...opts });
  servers.push(server);
  return server;
}

describe('loopback git server', () => {
  it('binds loopback only', async () => {
    const server = await start();
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });

  it('takes a pushed commit and serves it back to a clone', async () => {
    const server = await start();
    const remote = await server.createRepository('app');
    const work = await mkdtemp(join(dir, 'work-'));
    await git(work, 'init', '--initial-branch=main', '.');
    await writeFile(join(work, 'rollout.yaml'), 'kind: Rollout\nimage: app:v2\n');
    await git(work, 'add', '.');
    await git(work, 'commit', '-m', 'app v2');
    const pushed = await git(work, 'rev-parse', 'HEAD');
    await git(work, 'push', remote, 'main');

    const clone = join(dir, 'clone');
    await git(dir, 'clone', remote, clone);
    expect(await git(clone, 'rev-parse', 'HEAD')).toBe(pushed);
    expect(await readFile(join(clone, 'rollout.yaml'), 'utf8')).toBe(
      'kind: Rollout\nimage: app:v2\n',
    );
    expect(await git(dir, 'ls-remote', remote, 'refs/heads/main')).toContain(pushed);
  });

  it('enforces basic auth when configured', async () => {
    const server = await start({ basicAuth: { username: 'ci', password: 's3cret' } });
    const remote = await server.createRepository('private');
    const withCreds = remote.replace('http://', 'http://ci:s3cret@');
    const withWrong = remote.replace('http://', 'http://ci:wrong@');
    await expect(git(dir, 'ls-remote', remote)).rejects.toThrow(
      /Authentication failed|could not read Username|401/,
    );
    await expect(git(dir, 'ls-remote', withWrong)).rejects.toThrow(/Authentication failed|401/);
    await expect(git(dir, 'ls-remote', withCreds)).resolves.toBe('');
  });
});
