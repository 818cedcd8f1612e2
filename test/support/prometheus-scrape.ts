// A real Prometheus (Debian's 2.42, from ensurePrometheus) that scrapes given loopback targets
// every second and evaluates rule files every second, for tests of what the controller exposes.
// Unlike prometheus-now.ts (seeded, no scraping) this one sees the live /metrics endpoint, with
// Prometheus' own job/instance labels added, exactly as a cluster's Prometheus would.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { stringify } from 'yaml';

import { freePort, loopback } from '../../src/local/ports.js';
import { ensurePrometheus } from '../../src/local/prometheus-dist.js';
import { startDaemon, stopDaemons, waitUntil } from '../../src/local/processes.js';
import { testConfig, testLog } from './settings.js';

/** What to scrape. */
export interface ScrapeOptions {
  /** host:port of each /metrics endpoint, all under one job. */
  readonly targets: readonly string[];
  /** The job label Prometheus gives the targets; default "ramp". */
  readonly job?: string;
  /** Absolute paths of rule files to load. */
  readonly ruleFiles?: readonly string[];
}

/** A running scraping Prometheus. */
export interface ScrapingPrometheus {
  readonly url: string;
  /** Instant query at now; resolves to the raw API answer (a 400 bad_data resolves too). */
  query(expr: string): Promise<QueryAnswer>;
  /** Stops Prometheus and removes its data. */
  stop(): Promise<void>;
}

/** Prometheus' /api/v1/query answer. */
export interface QueryAnswer {
  readonly httpStatus: number;
  readonly status: 'success' | 'error';
  readonly errorType?: string;
  readonly error?: string;
  readonly data?: {
    readonly resultType: string;
    readonly result: readonly { metric: Record<string, string>; value: [number, string] }[];
  };
}

/** Starts Prometheus on a free loopback port scraping `targets` each second; waits until ready. */
export async function startScrapingPrometheus(opts: ScrapeOptions): Promise<ScrapingPrometheus> {
  const binaries = await ensurePrometheus(testConfig.cacheDir, testLog);
  const dir = await mkdtemp(join(tmpdir(), 'ramp-prom-scrape-'));
  try {
    await mkdir(join(dir, 'data'));
    const config = join(dir, 'prometheus.yml');
    await writeFile(config, scrapeConfig(opts));
    const port = await freePort();
    const daemon = await startDaemon({
      name: 'prometheus',
      command: binaries.prometheus,
      args: [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${loopback}:${port}`,
      ],
      logFile: join(dir, 'prometheus.log'),
    });
    const url = `http://${loopback}:${port}`;
    const stop = async (): Promise<void> => {
      await stopDaemons([daemon]);
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await waitUntil(async () => (await fetch(`${url}/-/ready`)).ok, {
        what: `Prometheus at ${url}`,
        timeoutMs: 60_000,
        daemon,
      });
    } catch (err) {
      await stop();
      throw err;
    }
    return { url, query: (expr) => instantQuery(url, expr), stop };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function scrapeConfig(opts: ScrapeOptions): string {
  return stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [...(opts.ruleFiles ?? [])],
    scrape_configs: [
      { job_name: opts.job ?? 'ramp', static_configs: [{ targets: [...opts.targets] }] },
    ],
  });
}

async function instantQuery(url: string, expr: string): Promise<QueryAnswer> {
  const res = await fetch(`${url}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }).toString(),
  });
  const body = (await res.json()) as Omit<QueryAnswer, 'httpStatus'>;
  return { httpStatus: res.status, ...body };
}
