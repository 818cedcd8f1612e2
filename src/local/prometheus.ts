import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { LocalError } from './errors.js';
import { runCommand, tail } from './exec.js';
import { renderOpenMetrics, type SeedSeries } from './openmetrics.js';
import { freePort, ensurePortFree, loopback } from './ports.js';
import type { PrometheusBinaries } from './prometheus-dist.js';
import { startDaemon, stopDaemons, waitUntil, type DaemonRecord } from './processes.js';

/** A config with no scrape jobs: the local Prometheus only serves data seeded or pushed into it. */
const emptyConfig = 'global:\n  evaluation_interval: 1m\nscrape_configs: []\n';

/** Options for starting one Prometheus server. */
export interface PrometheusOptions {
  readonly binaries: PrometheusBinaries;
  /** Folder for its config, TSDB and log. */
  readonly dir: string;
  /** 0 (or absent) for a free port. */
  readonly port?: number;
  /** Called as soon as the process exists, before waiting for it, so a caller can record it. */
  readonly onStarted?: (daemon: DaemonRecord) => Promise<void>;
  readonly signal?: AbortSignal | undefined;
}

/** A running Prometheus. */
export interface RunningPrometheus {
  readonly url: string;
  readonly daemon: DaemonRecord;
}

/** Starts Prometheus on loopback with an empty scrape config and waits until `/-/ready` answers. */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const port = opts.port ? opts.port : await freePort();
  if (opts.port) await ensurePortFree(port, 'Prometheus');
  await mkdir(join(opts.dir, 'data'), { recursive: true });
  const config = join(opts.dir, 'prometheus.yml');
  await writeFile(config, emptyConfig);
  const daemon = await startDaemon({
    name: 'prometheus',
    command: opts.binaries.prometheus,
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(opts.dir, 'data')}`,
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=${loopback}:${port}`,
    ],
    logFile: join(opts.dir, 'prometheus.log'),
  });
  const url = `http://${loopback}:${port}`;
  try {
    await opts.onStarted?.(daemon);
    await waitUntil(async () => (await fetch(`${url}/-/ready`)).ok, {
      what: `Prometheus at ${url}`,
      timeoutMs: 60_000,
      daemon,
      signal: opts.signal,
    });
  } catch (err) {
    await stopDaemons([daemon]);
    throw err;
  }
  return { url, daemon };
}

/** A Prometheus holding only the seeded series; stop it when done. */
export interface SeededPrometheus extends RunningPrometheus {
  stop(): Promise<void>;
}

/**
 * Starts a Prometheus of its own whose TSDB was built from the given series before start (blocks
 * added to a running server appear only after about a minute). Query at the seeded times.
 */
export async function startSeededPrometheus(
  opts: PrometheusOptions & { readonly series: readonly SeedSeries[] },
): Promise<SeededPrometheus> {
  const data = join(opts.dir, 'data');
  await mkdir(data, { recursive: true });
  const input = join(opts.dir, 'seed.om');
  await writeFile(input, renderOpenMetrics(opts.series));
  const result = await runCommand(opts.binaries.promtool, [
    'tsdb',
    'create-blocks-from',
    'openmetrics',
    input,
    data,
  ]);
  if (result.code !== 0)
    throw new LocalError(
      `promtool could not seed ${input}:\n${tail(result.stderr + result.stdout)}`,
    );
  const running = await startPrometheus(opts);
  return { ...running, stop: () => stopDaemons([running.daemon]) };
}
