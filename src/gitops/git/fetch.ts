// Getting exactly one commit into a fresh repository with as little history as possible.
import { GitError } from './errors.js';
import type { GitSession } from './session.js';

/** The commit to fetch, and the ref it was found on ('' for a bare pinned commit). */
export interface FetchTarget {
  refName: string;
  sha: string;
}

/** "Infinite" depth: git documents --unshallow as this, and unlike it, it works on any repo. */
const FULL_DEPTH = '2147483647';

/** Failures where another way of asking cannot help. */
const FATAL_KINDS = new Set(['auth', 'network', 'timeout']);

/**
 * Fetches `target.sha` into `repo`. First by SHA with depth 1 (protocol v2 servers hand out any
 * commit this way, so a pinned commit costs one commit of history); a server that refuses (v0,
 * "unadvertised object") gets asked for the ref at depth 1, then for the ref's whole history.
 */
export async function fetchCommit(
  session: GitSession,
  repo: string,
  url: string,
  target: FetchTarget,
): Promise<void> {
  let lastError: GitError | undefined;
  for (const args of fetchAttempts(url, target)) {
    try {
      await session.run('fetch', args, repo);
    } catch (err) {
      if (!(err instanceof GitError) || FATAL_KINDS.has(err.kind)) throw err;
      lastError = err;
      continue;
    }
    if (await hasCommit(session, repo, target.sha)) return;
  }
  throw lastError && target.refName === ''
    ? lastError
    : new GitError('notFound', commitNotFound(target));
}

function fetchAttempts(url: string, { refName, sha }: FetchTarget): string[][] {
  const fetch = ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head'];
  const bySha = [...fetch, '--depth', '1', '--', url, sha];
  if (refName === '') return [bySha];
  return [
    bySha,
    [...fetch, '--depth', '1', '--', url, refName],
    [...fetch, '--depth', FULL_DEPTH, '--', url, `+${refName}:refs/ramp/history`],
  ];
}

async function hasCommit(session: GitSession, repo: string, sha: string): Promise<boolean> {
  return session.run('cat-file', ['cat-file', '-e', `${sha}^{commit}`], repo).then(
    () => true,
    () => false,
  );
}

function commitNotFound({ refName, sha }: FetchTarget): string {
  return `commit ${sha} not found${refName ? ` in the history of ${refName}` : ''}`;
}
