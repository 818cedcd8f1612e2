// One authenticated conversation with git: a private temp dir (HOME, and the ssh key files) that
// exists only while the calls run, and a runner that turns exits and time limits into GitErrors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { GitAuth } from '../../decide/gitops/git-auth.js';
import { GitError, gitFailure, gitTimeout } from './errors.js';
import { gitInvocation, type InvocationPaths } from './invocation.js';
import { runGitProcess } from './run.js';

/** A time limit shared by every call of one operation. */
export interface Deadline {
  signal: AbortSignal;
  timeoutMs: number;
}

/** Runs git calls with one set of credentials. */
export interface GitSession {
  /** The private temp dir; a safe cwd that is inside no repository. */
  readonly home: string;
  /** Runs `git <args>` and returns its stdout; throws a GitError on failure. */
  run(operation: string, args: readonly string[], cwd?: string): Promise<string>;
}

/** Starts a deadline of `timeoutMs` from now. */
export function deadline(timeoutMs: number): Deadline {
  return { signal: AbortSignal.timeout(timeoutMs), timeoutMs };
}

/** Runs `fn` with a session for `auth`, and removes its private files afterwards. */
export async function withGitSession<T>(
  gitBinary: string,
  auth: GitAuth,
  limit: Deadline,
  fn: (session: GitSession) => Promise<T>,
): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), 'ramp-git-'));
  try {
    const paths = await writeAuthFiles(home, auth);
    return await fn({
      home,
      run: (operation, args, cwd) =>
        runGit({ gitBinary, auth, paths, limit }, operation, args, cwd ?? home),
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** ssh reads its key and host keys from files; only this process's user may read them. */
async function writeAuthFiles(home: string, auth: GitAuth): Promise<InvocationPaths> {
  if (auth.kind !== 'ssh') return { home };
  const identityFile = join(home, 'identity');
  const knownHostsFile = join(home, 'known_hosts');
  // ssh rejects a key file without its final newline as "invalid format".
  const identity = auth.identity.endsWith('\n') ? auth.identity : `${auth.identity}\n`;
  await writeFile(identityFile, identity, { mode: 0o600 });
  await writeFile(knownHostsFile, auth.knownHosts, { mode: 0o600 });
  return { home, identityFile, knownHostsFile };
}

interface RunContext {
  gitBinary: string;
  auth: GitAuth;
  paths: InvocationPaths;
  limit: Deadline;
}

async function runGit(
  ctx: RunContext,
  operation: string,
  args: readonly string[],
  cwd: string,
): Promise<string> {
  if (ctx.limit.signal.aborted) throw gitTimeout(operation, ctx.limit.timeoutMs);
  const { args: argv, env } = gitInvocation(args, ctx.auth, ctx.paths);
  const result = await runGitProcess(ctx.gitBinary, argv, {
    cwd,
    env,
    signal: ctx.limit.signal,
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT')
      throw new GitError('other', `git binary "${ctx.gitBinary}" not found`);
    throw err;
  });
  if (ctx.limit.signal.aborted) throw gitTimeout(operation, ctx.limit.timeoutMs);
  if (result.code !== 0) throw gitFailure(operation, result.stderr, ctx.auth);
  return result.stdout;
}
