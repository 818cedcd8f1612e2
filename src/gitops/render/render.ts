// Rendering one path of a Git checkout into manifests, safely: in a throwaway copy of the
// repository, with every path confined to it, and kustomize only after a static check.
import { stat } from 'node:fs/promises';
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
}

/** Renders `path` of the checkout: a kustomization with kustomize, else the plain YAML/JSON. */
export async function renderManifests(opts: RenderOptions): Promise<ManifestObject[]> {
  const rel = specPath(opts.path);
  const deadline = startDeadline(opts.timeoutMs, rel);
  try {
    return await withWorkspace(opts.tmpDir ?? tmpdir(), opts.root, deadline.signal, (ws) =>
      renderIn(ws, rel, opts, deadline.signal),
    );
  } catch (err) {
    // A step interrupted by the deadline may fail in its own way: the timeout is the cause.
    if (deadline.signal.aborted && !(err instanceof RenderError)) checkDeadline(deadline.signal);
    throw err;
  } finally {
    deadline.clear();
  }
}

async function renderIn(
  ws: Workspace,
  rel: string,
  opts: RenderOptions,
  signal: AbortSignal,
): Promise<ManifestObject[]> {
  await refuseEscapingSymlinks(ws.repo, signal);
  const dir = await directoryOf(ws.repo, rel);
  const budget = new ByteBudget();
  if (!(await findKustomizationFile(ws.repo, dir))) {
    return readPlainManifests(ws.repo, join(ws.repo, dir), budget, signal);
  }
  const allowRemoteBases = opts.allowRemoteBases ?? false;
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
