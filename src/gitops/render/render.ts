// Rendering one path of a Git checkout into manifests, safely: in a throwaway copy of the
// repository, with every path confined to it, and kustomize only after a static check.
import { realpath, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveInRepo } from '../../decide/gitops/kustomization-check.js';
import type { ManifestObject } from '../../decide/gitops/objects.js';
import { ByteBudget, RenderError, checkDeadline, startDeadline } from './errors.js';
import { type KustomizeCommand, runKustomize } from './kustomize.js';
import { parseManifests } from './manifests.js';
import { readPlainManifests } from './plain.js';
import { findKustomizationFile, preflightKustomizations } from './preflight.js';
import {
  type Workspace,
  realPathInRepo,
  refuseEscapingSymlinks,
  repoRelative,
  withWorkspace,
} from './workspace.js';

/** What to render and how. */
export interface RenderOptions {
  /** The repository checkout (no .git inside). */
  root: string;
  /** GitSync spec.path, relative to root ("./", "apps/web"). */
  path: string;
  /** Time limit of the whole render. */
  timeoutMs: number;
  kustomize: KustomizeCommand;
  /** Let kustomize fetch remote bases (default false). */
  allowRemoteBases?: boolean;
  /** Where the render's temp directory is created (default: the OS temp directory). */
  tmpDir?: string;
  /**
   * The checkout never changes (ramp's checkouts are written once, named by commit): its symlink
   * check is done once and remembered, not repeated for every GitSync rendering from it.
   */
  immutableRoot?: boolean;
}

/** Symlink verdicts of immutable checkouts, by real path (a bounded memory, oldest dropped). */
const symlinkVerdicts = new Map<string, Promise<void>>();
const verdictLimit = 256;

function checkSymlinksOnce(root: string, signal: AbortSignal, remember: boolean): Promise<void> {
  if (!remember) return refuseEscapingSymlinks(root, signal);
  const known = symlinkVerdicts.get(root);
  if (known) return known;
  // Checked without this render's deadline: the verdict is shared, a timeout is not.
  const verdict = refuseEscapingSymlinks(root, new AbortController().signal);
  symlinkVerdicts.set(root, verdict);
  if (symlinkVerdicts.size > verdictLimit)
    symlinkVerdicts.delete(symlinkVerdicts.keys().next().value as string);
  return verdict;
}

/**
 * Renders `path` of the checkout: a kustomization with kustomize, else the plain YAML/JSON.
 * Plain YAML is read where it is (checkouts are never written to, and no symlink in the
 * repository may lead out): copying the whole repository for every GitSync of a monorepo costs
 * O(GitSyncs × files). kustomize, which follows references on its own, runs in a copy.
 */
export async function renderManifests(opts: RenderOptions): Promise<ManifestObject[]> {
  const rel = specPath(opts.path);
  const deadline = startDeadline(opts.timeoutMs, rel);
  try {
    const root = await realpath(opts.root).catch(() => {
      throw new RenderError('NotFound', `repository checkout ${opts.root} not found`);
    });
    await checkSymlinksOnce(root, deadline.signal, opts.immutableRoot === true);
    const dir = await directoryOf(root, rel);
    if (!(await findKustomizationFile(root, dir)))
      return await readPlainManifests(root, join(root, dir), new ByteBudget(), deadline.signal);
    return await withWorkspace(opts.tmpDir ?? tmpdir(), root, deadline.signal, (ws) =>
      renderKustomization(ws, dir, opts, deadline.signal),
    );
  } catch (err) {
    // A step interrupted by the deadline may fail in its own way: the timeout is the cause.
    if (deadline.signal.aborted && !(err instanceof RenderError)) checkDeadline(deadline.signal);
    throw err;
  } finally {
    deadline.clear();
  }
}

async function renderKustomization(
  ws: Workspace,
  dir: string,
  opts: RenderOptions,
  signal: AbortSignal,
): Promise<ManifestObject[]> {
  // The copy is checked again: it is what kustomize reads.
  await refuseEscapingSymlinks(ws.repo, signal);
  const allowRemoteBases = opts.allowRemoteBases ?? false;
  const budget = new ByteBudget();
  await preflightKustomizations({ repo: ws.repo, allowRemoteBases, budget, signal }, dir);
  checkDeadline(signal);
  const output = await runKustomize({
    kustomize: opts.kustomize,
    path: dir,
    repo: ws.repo,
    home: ws.dir,
    signal,
  });
  return parseManifests(output, `kustomize output of "${dir}"`);
}

/** spec.path as a repository-relative posix path; PathEscape when it reads as outside. */
function specPath(path: string): string {
  const rel = resolveInRepo('.', path);
  if (rel === undefined) {
    throw new RenderError('PathEscape', `path "${path}" is outside the repository`);
  }
  return rel;
}

/** The real directory `rel` names inside the copy, as a repository-relative path. */
async function directoryOf(repo: string, rel: string): Promise<string> {
  const real = await realPathInRepo(
    repo,
    rel,
    () => `path "${rel}" leads outside the repository through a symlink`,
  );
  if (real === undefined)
    throw new RenderError('NotFound', `path "${rel}" not found in the repository`);
  if (!(await stat(real)).isDirectory()) {
    throw new RenderError('NotFound', `path "${rel}" is not a directory`);
  }
  return repoRelative(repo, real);
}
