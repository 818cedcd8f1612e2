// Polling for tests: conditions on a real cluster become true asynchronously.
import { setTimeout as delay } from 'node:timers/promises';

/** Polls until `check` returns true (errors count as false); fails naming what it waited for. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why =
        lastError === undefined
          ? ''
          : ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`;
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await delay(opts.intervalMs ?? 250);
  }
}
