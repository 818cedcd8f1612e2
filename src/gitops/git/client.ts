// ramp's Git client: list a remote's refs, and materialise one commit's files into the checkout
// cache. It drives the git CLI rather than a JS implementation (isomorphic-git has no ssh and no
// protocol v2 fetch by SHA), with credentials only ever in its environment.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { GitAuth } from '../../decide/gitops/git-auth.js';
import { parseLsRemote, type RemoteRefs } from '../../decide/gitops/ref.js';
import { GitError } from './errors.js';
import { fetchCommit, type FetchTarget } from './fetch.js';
import { deadline, withGitSession, type GitSession } from './session.js';
import { CheckoutStore, type Checkout } from './store.js';

/** Options of a {@link GitClient}. */
export interface GitClientOptions {
  /** Where checkouts are kept: <cacheDir>/<hash of url>/<sha>. */
  cacheDir: string;
  /** The git program; `git` from PATH by default. */
  gitBinary?: string;
  /** Called with the temporary repository (its .git still present) before it is discarded. */
  onFetched?: (repoDir: string) => Promise<void> | void;
  /** A checkout used within this many ms is never evicted; IN_USE_MS by default. */
  inUseMs?: number;
}

/** Lists remote refs and checks out commits into an on-disk cache. */
export class GitClient {
  private readonly store: CheckoutStore;
  private readonly gitBinary: string;

  constructor(private readonly opts: GitClientOptions) {
    this.store = new CheckoutStore(opts.cacheDir, opts.inUseMs);
    this.gitBinary = opts.gitBinary ?? 'git';
  }

  /** The remote's refs (annotated tags peeled) and the branch its HEAD points to. */
  async lsRemote(url: string, auth: GitAuth, timeoutMs: number): Promise<RemoteRefs> {
    assertNoCredentials(url);
    const stdout = await withGitSession(this.gitBinary, auth, deadline(timeoutMs), (session) =>
      session.run('ls-remote', ['ls-remote', '--symref', '--', url]),
    );
    return parseLsRemote(stdout);
  }

  /** The checkout of `sha` if it is still on disk, so an unchanged revision needs no fetch. */
  async cached(url: string, sha: string): Promise<Checkout | undefined> {
    return this.store.find(url, sha);
  }

  /** Fetches (shallow) the commit `resolution.sha` and returns its files' folder and digest. */
  async checkout(
    url: string,
    auth: GitAuth,
    resolution: FetchTarget,
    timeoutMs: number,
  ): Promise<Checkout> {
    assertNoCredentials(url);
    const work = await this.store.workDir(url);
    try {
      const repo = join(work, 'repo');
      const digest = await withGitSession(this.gitBinary, auth, deadline(timeoutMs), (session) =>
        this.fetchInto(session, repo, url, resolution),
      );
      await rm(join(repo, '.git'), { recursive: true, force: true });
      return await this.store.publish(url, resolution.sha, repo, digest);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async fetchInto(
    session: GitSession,
    repo: string,
    url: string,
    target: FetchTarget,
  ): Promise<string> {
    await session.run('init', ['init', '--quiet', repo]);
    await fetchCommit(session, repo, url, target);
    await session.run('checkout', ['checkout', '--quiet', '--force', '--detach', target.sha], repo);
    const tree = await session.run('ls-tree', ['ls-tree', '-r', '--full-tree', target.sha], repo);
    await this.opts.onFetched?.(repo);
    return treeDigest(tree);
  }
}

/**
 * The digest of a commit's content: sha256 of `git ls-tree -r --full-tree`, which lists every
 * file's mode, blob id (itself a hash of the bytes) and path. It changes exactly when a file's
 * content, name or mode changes, ignores commit metadata (a revert yields the old digest), and
 * needs no pass over the files on disk.
 */
export function treeDigest(lsTree: string): string {
  return `sha256:${createHash('sha256').update(lsTree).digest('hex')}`;
}

/** Credentials in the URL would show in process arguments, logs and status: refuse them. */
function assertNoCredentials(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitError('other', 'the repository URL is not a valid URL');
  }
  // An ssh user name (ssh://git@host) is no secret; a password, or an http user (often a
  // token), is.
  const sshUser = parsed.protocol === 'ssh:' && parsed.password === '';
  if (parsed.username === '' && parsed.password === '') return;
  if (sshUser) return;
  throw new GitError(
    'auth',
    'the repository URL must not contain credentials; put them in the secret of spec.secretRef',
  );
}
