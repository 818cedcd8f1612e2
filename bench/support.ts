// What the benchmarks share: a controller's CPU and memory from /proc, bounded parallelism, and
// polling until a condition holds.
import { readFile } from 'node:fs/promises';

/** Peak RSS and CPU seconds (user + system) of a process so far. */
export async function procStats(pid: number): Promise<{ peakRssMiB: number; cpuSeconds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return {
    peakRssMiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
    cpuSeconds: ticks / 100,
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function inParallel<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** Polls `check` every 100 ms; returns the milliseconds it took. */
export async function waitUntil(
  what: string,
  check: () => boolean,
  timeoutMs = 1_800_000,
): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - start;
}
