// The throwaway directory a render runs in: a fresh temp directory holding only a copy of the
// repository, so kustomize (and anything a repository tricks it into reading) sees nothing of the
// controller's own files. Symlinks are copied as symlinks and refused when they lead outside.
import { cp, mkdtemp, readdir, readlink, realpath, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

import { RenderError, checkDeadline } from './errors.js';

/** A render's temp directory and the repository copy inside it (both real paths). */
export interface Workspace {
  /** The temp directory (also HOME of kustomize). */
  readonly dir: string;
  /** The repository copy: dir/repo. */
  readonly repo: string;
}

/** Runs `fn` in a fresh workspace under `parent` and removes the workspace afterwards, always. */
export async function withWorkspace<T>(
  parent: string,
  root: string,
  signal: AbortSignal,
  fn: (ws: Workspace) => Promise<T>,
): Promise<T> {
  const source = await realpath(root).catch(() => {
    throw new RenderError('NotFound', `repository checkout ${root} not found`);
  });
  const dir = await realpath(await mkdtemp(join(parent, 'ramp-render-')));
  try {
    const repo = join(dir, 'repo');
    await cp(source, repo, {
      recursive: true,
      // Never follow a link while copying: what it points to is checked on the copy, below.
      dereference: false,
      verbatimSymlinks: true,
      errorOnExist: true,
      filter: () => {
        checkDeadline(signal);
        return true;
      },
    });
    return await fn({ dir, repo });
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** True when `path` (absolute) is `root` or below it. */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/** The repository-relative posix form of an absolute path inside the copy. */
export function repoRelative(repo: string, path: string): string {
  const rel = relative(repo, path);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

/**
 * Refuses any symlink of the copy that leads outside it: by its text (relative to its own
 * location) and by what the kernel resolves, which differ when a link goes through another link
 * and `..` (x/y/up -> ../.. makes x/y/up/../../.. leave the root although it reads as inside).
 */
export async function refuseEscapingSymlinks(repo: string, signal: AbortSignal): Promise<void> {
  const pending = [repo];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    checkDeadline(signal);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isSymbolicLink()) await checkSymlink(repo, path);
    }
  }
}

async function checkSymlink(repo: string, link: string): Promise<void> {
  const written = resolve(dirname(link), await readlink(link));
  const real = await realpath(link).catch(() => undefined);
  if (!isInside(repo, written) || (real !== undefined && !isInside(repo, real))) {
    throw new RenderError(
      'Symlink',
      `symlink "${repoRelative(repo, link)}" points outside the repository`,
    );
  }
}

/** Errors of realpath that mean "nothing there" (a symlink loop cannot be read either). */
const missingCodes = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

/**
 * The real path of repository-relative `rel` (already checked to read as inside): undefined when
 * missing, PathEscape when symlinks make it resolve outside the repository.
 */
export async function realPathInRepo(
  repo: string,
  rel: string,
  describe: () => string,
): Promise<string | undefined> {
  const real = await realpath(join(repo, rel)).catch((err: NodeJS.ErrnoException) => {
    if (missingCodes.has(err.code ?? '')) return undefined;
    throw err;
  });
  if (real !== undefined && !isInside(repo, real)) {
    throw new RenderError('PathEscape', describe());
  }
  return real;
}
