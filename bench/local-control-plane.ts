// Measures the local control plane: warm `up` (binaries cached), idempotent `up`, `down`, and the
// resident memory of every process; with --cold, also a build from empty Go and ramp caches.
// Prints figures; asserts nothing.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { down, up } from '../src/local/cluster.js';
import { createLogger } from '../src/observability/logger.js';
import { benchConfig, benchLog } from './settings.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, cold: { type: 'boolean', default: false } },
});
const runs = Number(values.runs);
const config = benchConfig;
const log = benchLog;

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

async function cold(): Promise<void> {
  // Empty Go module and build caches and an empty ramp cache: what a fresh CI machine pays.
  const scratch = await mkdtemp(join(tmpdir(), 'ramp-cold-'));
  process.env.GOMODCACHE = join(scratch, 'gomod');
  process.env.GOCACHE = join(scratch, 'gocache');
  const runDir = join(scratch, 'run');
  const verbose = createLogger({ level: 'info', format: 'json', color: false, name: 'bench' });
  const [, ms] = await timed(() =>
    up({ ...config, cacheDir: join(scratch, 'cache'), runDir, log: verbose }),
  );
  console.log(`cold build + first up: ${(ms / 1000).toFixed(1)} s`);
  await down(runDir);
  await rm(scratch, { recursive: true, force: true });
}

async function warm(): Promise<void> {
  const rows: string[] = [];
  for (let i = 0; i < runs; i++) {
    const runDir = await mkdtemp(join(tmpdir(), 'ramp-bench-'));
    const [{ state }, upMs] = await timed(() => up({ ...config, runDir, log }));
    const [, againMs] = await timed(() => up({ ...config, runDir, log }));
    const rss = await Promise.all(
      state.daemons.map(async (d) => [d.name, await rssKiB(d.pid)] as const),
    );
    const total = rss.reduce((sum, [, kib]) => sum + kib, 0);
    const [, downMs] = await timed(() => down(runDir));
    await rm(runDir, { recursive: true, force: true });
    rows.push(
      `run ${i + 1}: up ${(upMs / 1000).toFixed(2)} s, idempotent up ${againMs.toFixed(0)} ms, ` +
        `down ${(downMs / 1000).toFixed(2)} s, RSS ${(total / 1024).toFixed(0)} MiB ` +
        `(${rss.map(([n, kib]) => `${n} ${(kib / 1024).toFixed(0)}`).join(', ')})`,
    );
  }
  console.log(rows.join('\n'));
}

if (values.cold) await cold();
await warm();
