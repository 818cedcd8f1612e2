// Runs the built `ramp` binary the way a person would, and finds processes by run directory.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { runCommand, type CommandResult } from '../../src/local/exec.js';
import { packageRoot } from '../../src/version.js';

/** The built CLI entry point (npm test builds before testing). */
export const rampBin = join(packageRoot, 'dist', 'src', 'cli', 'ramp.js');

/** Runs `ramp ARGS` with extra environment; never throws on a non-zero exit. */
export async function ramp(
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  if (!existsSync(rampBin)) throw new Error(`${rampBin} is missing: run 'npm run build' first`);
  return runCommand(process.execPath, [rampBin, ...args], {
    env: { ...process.env, RAMP_LOG_FORMAT: 'json', ...env },
  });
}

/** Pids of live processes whose command line mentions `text` (used to prove nothing was left behind). */
export async function processesMentioning(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const zombie = / Z /.test(stat.slice(stat.lastIndexOf(')')));
    if (!zombie && cmdline.includes(text)) found.push(Number(entry));
  }
  return found;
}
