// A plain directory of manifests (no kustomization): every YAML and JSON file below it, in a
// stable order, hidden entries (.git, .github, …) left out.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { ManifestObject } from '../../decide/gitops/objects.js';
import { type ByteBudget, checkDeadline } from './errors.js';
import { parseManifests } from './manifests.js';
import { repoRelative } from './workspace.js';

const manifestFile = /\.(ya?ml|json)$/i;

/** Reads the manifests of directory `dir` (absolute, inside the repository copy `repo`). */
export async function readPlainManifests(
  repo: string,
  dir: string,
  budget: ByteBudget,
  signal: AbortSignal,
): Promise<ManifestObject[]> {
  const files = (await manifestFiles(dir, signal)).sort(compareCodeUnits);
  const objects: ManifestObject[] = [];
  for (const file of files) {
    checkDeadline(signal);
    const source = repoRelative(repo, file);
    budget.take((await stat(file)).size, source);
    objects.push(...parseManifests(await readFile(file, 'utf8'), source));
  }
  return objects;
}

/**
 * Manifest files below `dir`. Symlinks to files are read (the copy holds no link leading
 * outside); symlinks to directories are not descended into, so a link loop cannot recurse.
 */
async function manifestFiles(dir: string, signal: AbortSignal): Promise<string[]> {
  const files: string[] = [];
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    checkDeadline(signal);
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (manifestFile.test(entry.name) && (await isFile(path))) files.push(path);
    }
  }
  return files;
}

async function isFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() ?? false;
}

/** Locale-independent order, the same on every controller. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
