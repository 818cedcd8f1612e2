// Walks every kustomization reachable from the rendered one and refuses it before kustomize runs
// (see src/decide/gitops/kustomization-check.ts for what is refused and why). This side reads the
// files and follows references through the real filesystem, so symlinks are resolved as
// kustomize would resolve them.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { parse } from 'yaml';

import {
  checkKustomization,
  checkPluginConfig,
  kustomizationFileNames,
  kustomizationName,
  type KustomizationProblem,
  type LocalReference,
} from '../../decide/gitops/kustomization-check.js';
import { type ByteBudget, RenderError, checkDeadline } from './errors.js';
import { parseDocuments } from './manifests.js';
import { realPathInRepo, repoRelative } from './workspace.js';

/** What one preflight needs. */
export interface PreflightContext {
  /** Real path of the repository copy. */
  readonly repo: string;
  readonly allowRemoteBases: boolean;
  readonly budget: ByteBudget;
  readonly signal: AbortSignal;
}

interface Pending {
  /** Repository-relative posix directory. */
  readonly dir: string;
  readonly pluginContext: boolean;
}

/** Upper bound of kustomizations one render may reach (a guard against generated mazes). */
const maxKustomizations = 1000;

/** The kustomization file of repository-relative `dir`, if it has one. */
export async function findKustomizationFile(
  repo: string,
  dir: string,
): Promise<string | undefined> {
  return (await kustomizationFiles(repo, dir))[0];
}

/** Every kustomization file name present in `dir` (kustomize refuses more than one). */
async function kustomizationFiles(repo: string, dir: string): Promise<string[]> {
  const present: string[] = [];
  for (const name of kustomizationFileNames) {
    const info = await stat(join(repo, dir, name)).catch(() => undefined);
    if (info?.isFile()) present.push(name);
  }
  return present;
}

/** Checks the kustomization in repository-relative `start` and everything it reaches. */
export async function preflightKustomizations(ctx: PreflightContext, start: string): Promise<void> {
  const pending: Pending[] = [{ dir: start, pluginContext: false }];
  const seen = new Set<string>();
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    checkDeadline(ctx.signal);
    const key = `${next.pluginContext}:${next.dir}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (seen.size > maxKustomizations) {
      throw new RenderError('TooLarge', `more than ${maxKustomizations} kustomizations to render`);
    }
    pending.push(...(await checkOne(ctx, next)));
  }
}

async function checkOne(ctx: PreflightContext, item: Pending): Promise<Pending[]> {
  // A directory without one is kustomize's to report; with several, all are checked, whichever
  // kustomize would pick.
  const next: Pending[] = [];
  for (const fileName of await kustomizationFiles(ctx.repo, item.dir)) {
    next.push(...(await checkFile(ctx, item, fileName)));
  }
  return next;
}

async function checkFile(
  ctx: PreflightContext,
  item: Pending,
  fileName: string,
): Promise<Pending[]> {
  const where = kustomizationName(item.dir, fileName);
  const kustomization = parseYamlFile(await readCapped(ctx, join(item.dir, fileName)), where);
  const result = checkKustomization({
    dir: item.dir,
    fileName,
    kustomization,
    allowRemoteBases: ctx.allowRemoteBases,
    pluginContext: item.pluginContext,
  });
  refuse(result.problems);
  const next: Pending[] = [];
  for (const ref of result.references) {
    const dir = await follow(ctx, ref, where);
    if (dir !== undefined) next.push({ dir, pluginContext: ref.use === 'plugin' });
  }
  return next;
}

/**
 * Confines one reference to the repository by its real path; returns the repository-relative
 * directory to check next when it is a directory of resources or plugin configs.
 */
async function follow(
  ctx: PreflightContext,
  ref: LocalReference,
  where: string,
): Promise<string | undefined> {
  const real = await realPathInRepo(
    ctx.repo,
    ref.path,
    () => `kustomization ${where} refers to "${ref.ref}" outside the repository`,
  );
  if (real === undefined) {
    // Not in the repository: kustomize would try it as a remote base next.
    if (ctx.allowRemoteBases) return undefined;
    throw new RenderError(
      'NotFound',
      `kustomization ${where} refers to "${ref.ref}" (${ref.field}), which is not in the repository`,
    );
  }
  const info = await stat(real);
  const rel = repoRelative(ctx.repo, real);
  if (info.isDirectory()) return ref.use === 'file' ? undefined : rel;
  if (ref.use === 'plugin')
    await checkPluginFile(ctx, rel, `${ref.field} of kustomization ${where}`);
  return undefined;
}

/** Every document of a plugin config file must be an allowed builtin config. */
async function checkPluginFile(ctx: PreflightContext, rel: string, where: string): Promise<void> {
  const docs = parseDocuments(await readCapped(ctx, rel), rel);
  refuse(docs.flatMap((doc) => checkPluginConfig(doc.value, `${doc.where} (${where})`)));
}

function refuse(problems: readonly KustomizationProblem[]): void {
  const first = problems[0];
  if (first) throw new RenderError(first.reason, first.message);
}

async function readCapped(ctx: PreflightContext, rel: string): Promise<string> {
  const path = join(ctx.repo, rel);
  ctx.budget.take((await stat(path)).size, rel);
  return readFile(path, 'utf8');
}

function parseYamlFile(text: string, source: string): unknown {
  try {
    return parse(text, { merge: true, maxAliasCount: 100 }) as unknown;
  } catch (err) {
    throw new RenderError('Parse', `${source}: ${(err as Error).message}`);
  }
}
