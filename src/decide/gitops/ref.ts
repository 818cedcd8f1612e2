// Which commit a GitRepository follows: read what the remote advertises (`git ls-remote --symref`)
// and pick the commit its spec.ref asks for, in Flux's precedence and revision format. Pure.
import semver from 'semver';

import type { GitRepositorySpec } from '../../api/gitops.js';

/** spec.ref of a GitRepository: which branch, tag, semver range or commit to follow. */
export type GitRepositoryRef = NonNullable<GitRepositorySpec['ref']>;

/** One ref the remote advertises, e.g. refs/heads/main, refs/tags/v1.2.0 or HEAD. */
export interface RemoteRef {
  name: string;
  sha: string;
}

/** What a remote advertises: its refs, and the branch its HEAD points to (when it says). */
export interface RemoteRefs {
  refs: RemoteRef[];
  headTarget?: string;
}

/** The commit to fetch, or why there is none. `refName` is '' for a bare pinned commit. */
export type RefResolution =
  { ok: true; refName: string; sha: string; revision: string } | { ok: false; message: string };

const HEADS = 'refs/heads/';
const TAGS = 'refs/tags/';
const PEELED = '^{}';
const SHA1 = /^[0-9a-f]{40}$/;

/** Status messages of a failed resolution. */
export const RefMessages = {
  branchNotFound: (branch: string) => `branch "${branch}" not found`,
  tagNotFound: (tag: string) => `tag "${tag}" not found`,
  invalidSemver: (range: string) => `invalid semver range "${range}"`,
  noSemverMatch: (range: string) => `no tag matches semver range "${range}"`,
  invalidCommit: (commit: string) => `invalid commit "${commit}": want a full 40-character SHA-1`,
  noHead: 'the remote HEAD points to no branch (empty repository?); set spec.ref.branch',
} as const;

/**
 * Reads `git ls-remote --symref` output. An annotated tag is listed twice, as the tag object and
 * peeled (`^{}`); the peeled commit wins, since the commit is what gets checked out.
 */
export function parseLsRemote(stdout: string): RemoteRefs {
  const shas = new Map<string, string>();
  const peeled = new Map<string, string>();
  let headTarget: string | undefined;
  for (const line of stdout.split('\n')) {
    const [left, name] = line.trimEnd().split('\t');
    if (!left || !name) continue;
    if (left.startsWith('ref: ')) {
      if (name === 'HEAD') headTarget = left.slice(5).trim();
    } else if (name.endsWith(PEELED)) peeled.set(name.slice(0, -PEELED.length), left);
    else shas.set(name, left);
  }
  const refs = [...shas].map(([name, sha]) => ({ name, sha: peeled.get(name) ?? sha }));
  return headTarget === undefined ? { refs } : { refs, headTarget };
}

/** Picks the commit spec.ref asks for; precedence commit > semver > tag > branch > remote HEAD. */
export function resolveRef(ref: GitRepositoryRef | undefined, remote: RemoteRefs): RefResolution {
  if (ref?.commit !== undefined) return resolveCommit(ref.commit, ref.branch, remote);
  if (ref?.semver !== undefined) return resolveSemver(ref.semver, remote);
  if (ref?.tag !== undefined) return resolveTag(ref.tag, remote);
  if (ref?.branch !== undefined) return resolveBranch(ref.branch, remote);
  return resolveHead(remote);
}

/** The commit SHA of a `<ref>@sha1:<sha>` or `sha1:<sha>` revision. */
export function shaOfRevision(revision: string): string | undefined {
  return /(?:^|@)sha1:([0-9a-f]{40})$/.exec(revision)?.[1];
}

function shaOf(remote: RemoteRefs, name: string): string | undefined {
  return remote.refs.find((r) => r.name === name)?.sha;
}

function found(refName: string, sha: string, label: string): RefResolution {
  return { ok: true, refName, sha, revision: `${label}@sha1:${sha}` };
}

function resolveCommit(
  commit: string,
  branch: string | undefined,
  remote: RemoteRefs,
): RefResolution {
  if (!SHA1.test(commit)) return failed(RefMessages.invalidCommit(commit));
  if (branch === undefined)
    return { ok: true, refName: '', sha: commit, revision: `sha1:${commit}` };
  // The branch only names where the commit lives (and what to fetch deeper if the server will
  // not hand out a commit by SHA); the commit need not be its tip.
  if (!shaOf(remote, HEADS + branch)) return failed(RefMessages.branchNotFound(branch));
  return found(HEADS + branch, commit, branch);
}

function resolveSemver(range: string, remote: RemoteRefs): RefResolution {
  if (semver.validRange(range) === null) return failed(RefMessages.invalidSemver(range));
  const tags = remote.refs
    .filter((r) => r.name.startsWith(TAGS))
    .map((r) => r.name.slice(TAGS.length));
  // maxSatisfying skips tags that are not versions, accepts a leading "v", and leaves out
  // prereleases unless the range names one.
  const best = semver.maxSatisfying(tags, range);
  if (best === null) return failed(RefMessages.noSemverMatch(range));
  return resolveTag(best, remote);
}

function resolveTag(tag: string, remote: RemoteRefs): RefResolution {
  const sha = shaOf(remote, TAGS + tag);
  return sha ? found(TAGS + tag, sha, tag) : failed(RefMessages.tagNotFound(tag));
}

function resolveBranch(branch: string, remote: RemoteRefs): RefResolution {
  const sha = shaOf(remote, HEADS + branch);
  return sha ? found(HEADS + branch, sha, branch) : failed(RefMessages.branchNotFound(branch));
}

function resolveHead(remote: RemoteRefs): RefResolution {
  const target = remote.headTarget;
  if (!target?.startsWith(HEADS)) return failed(RefMessages.noHead);
  return resolveBranch(target.slice(HEADS.length), remote);
}

function failed(message: string): RefResolution {
  return { ok: false, message };
}
