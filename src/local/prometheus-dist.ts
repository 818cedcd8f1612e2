import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from '../observability/logger.js';
import { LocalError } from './errors.js';
import { CommandNotFoundError, runCommand, tail, type CommandResult } from './exec.js';

/** Paths of an extracted Prometheus distribution. */
export interface PrometheusBinaries {
  readonly prometheus: string;
  readonly promtool: string;
}

/** Debian's package: a real Prometheus 2.x, extracted into the cache rather than installed as a service. */
const debianPackage = 'prometheus';

/**
 * Returns Prometheus and promtool, downloading Debian's `prometheus` package with `apt-get download`
 * and unpacking it with `dpkg-deb -x` the first time; later calls only look in the cache.
 */
export async function ensurePrometheus(cacheDir: string, log: Logger): Promise<PrometheusBinaries> {
  const root = join(cacheDir, 'prometheus');
  const cached = await findExtracted(root);
  if (cached) return cached;
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(join(root, '.tmp-'));
  try {
    log.info(`fetching Debian's ${debianPackage} package (once; cached in ${root})`);
    const deb = await downloadDeb(work);
    const extracted = join(work, 'root');
    await checked('dpkg-deb', ['-x', join(work, deb), extracted], work);
    await rename(extracted, join(root, deb.replace(/\.deb$/, '')));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const found = await findExtracted(root);
  if (!found)
    throw new LocalError(
      `the ${debianPackage} package did not contain usr/bin/prometheus and usr/bin/promtool`,
    );
  return found;
}

async function findExtracted(root: string): Promise<PrometheusBinaries | undefined> {
  if (!existsSync(root)) return undefined;
  for (const name of (await readdir(root))
    .filter((n) => !n.startsWith('.'))
    .sort()
    .reverse()) {
    const bin = join(root, name, 'usr', 'bin');
    const found = { prometheus: join(bin, 'prometheus'), promtool: join(bin, 'promtool') };
    if (existsSync(found.prometheus) && existsSync(found.promtool)) return found;
  }
  return undefined;
}

async function downloadDeb(dir: string): Promise<string> {
  let result = await checkedResult('apt-get', ['download', debianPackage], dir);
  if (result.code !== 0 && process.getuid?.() === 0) {
    // A fresh machine may have no package lists yet: refresh them once and try again.
    await checked('apt-get', ['update'], dir);
    result = await checkedResult('apt-get', ['download', debianPackage], dir);
  }
  if (result.code !== 0) {
    throw new LocalError(
      `apt-get download ${debianPackage} failed; ramp needs Debian's prometheus package for a local ` +
        `Prometheus (run 'apt-get update' first if the package lists are missing):\n${tail(result.stderr)}`,
    );
  }
  const deb = (await readdir(dir)).find((n) => n.endsWith('.deb'));
  if (!deb) throw new LocalError(`apt-get download ${debianPackage} wrote no .deb file in ${dir}`);
  return deb;
}

async function checkedResult(command: string, args: string[], cwd: string): Promise<CommandResult> {
  try {
    return await runCommand(command, args, { cwd });
  } catch (err) {
    if (err instanceof CommandNotFoundError) {
      throw new LocalError(
        `${command} not found: ramp takes Prometheus from Debian's package, which needs apt-get and dpkg-deb`,
      );
    }
    throw err;
  }
}

async function checked(command: string, args: string[], cwd: string): Promise<void> {
  const result = await checkedResult(command, args, cwd);
  if (result.code !== 0)
    throw new LocalError(`${command} ${args.join(' ')} failed:\n${tail(result.stderr)}`);
}
