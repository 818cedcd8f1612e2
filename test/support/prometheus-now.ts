// A real Prometheus (Debian's 2.42) whose series hold values around *now* (constant, or a function
// of time so counters can grow for rate()), so the analysis tests can query it at the current time
// exactly as the prometheus provider does.
//
// Approach: seeding. promtool writes TSDB blocks holding each series from now-1h to now+2h at 15 s
// steps before Prometheus starts; Prometheus 2.42 loads blocks that extend into the future and an
// instant query at "now" reads the sample at or just before now. Chosen over scraping a /metrics
// endpoint because the series are exact (no job/instance labels, no wait for a first scrape) and
// nothing runs in the background. Checked at start: the helper queries `count()` of every seeded
// series at now and fails if Prometheus does not see them all.
//
// `set()` changes a value by seeding a new Prometheus with the new table, then switching the
// loopback HTTP proxy that `url` points at to it and stopping the old one, so the URL stays the
// same and no query is refused in between (a switch takes about a second).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SeedSeries } from '../../src/local/openmetrics.js';
import { loopback } from '../../src/local/ports.js';
import { ensurePrometheus, type PrometheusBinaries } from '../../src/local/prometheus-dist.js';
import { startSeededPrometheus, type SeededPrometheus } from '../../src/local/prometheus.js';
import { testConfig, testLog } from './settings.js';

/** A series' value: a constant, or a function of the sample's Unix time in seconds (a counter). */
export type NowValue = number | ((t: number) => number);

/** One series and its value over time. */
export interface NowSeries {
  readonly metric: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: NowValue;
}

/** A running Prometheus serving the series at the current time. */
export interface NowPrometheus {
  /** Base URL (a loopback proxy in front of Prometheus) to use as the metric's `address`. */
  readonly url: string;
  /** Sets (or adds) one series' value; resolves once queries at now see it. */
  set(metric: string, labels: Readonly<Record<string, string>>, value: NowValue): Promise<void>;
  /** Stops Prometheus and the proxy and removes the data. */
  stop(): Promise<void>;
}

const stepSeconds = 15;

/** Starts Prometheus holding `series` from an hour ago to two hours ahead. */
export async function startPrometheusWithSeries(
  series: readonly NowSeries[],
): Promise<NowPrometheus> {
  const root = await mkdtemp(join(tmpdir(), 'ramp-prom-now-'));
  const table = new Map<string, NowSeries>(series.map((s) => [seriesKey(s), s]));
  try {
    const binaries = await ensurePrometheus(testConfig.cacheDir, testLog);
    let generation = 0;
    const launch = async (): Promise<SeededPrometheus> =>
      seed(binaries, join(root, `gen-${++generation}`), [...table.values()]);
    let current: SeededPrometheus;
    const proxy = await startProxy(() => current.url);
    try {
      current = await launch();
    } catch (err) {
      await proxy.close();
      throw err;
    }
    let queue: Promise<void> = Promise.resolve();
    return {
      url: proxy.url,
      set: (metric, labels, value) => {
        const change = async (): Promise<void> => {
          table.set(seriesKey({ metric, labels }), { metric, labels, value });
          const previous = current;
          current = await launch();
          await previous.stop();
        };
        // Serialised: two overlapping changes must not both replace the same generation.
        queue = queue.then(change, change);
        return queue;
      },
      stop: async () => {
        await queue.catch(() => undefined);
        await proxy.close();
        await current.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}

function seriesKey(s: { metric: string; labels?: Readonly<Record<string, string>> }): string {
  const labels = Object.entries(s.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([s.metric, labels]);
}

/** Seeds a fresh TSDB in `dir`, starts Prometheus on it and checks every series is visible now. */
async function seed(
  binaries: PrometheusBinaries,
  dir: string,
  series: readonly NowSeries[],
): Promise<SeededPrometheus> {
  await mkdir(dir, { recursive: true });
  const now = Math.floor(Date.now() / 1000);
  const first = now - 3600 - (now % stepSeconds);
  const times = Array.from(
    { length: (3 * 3600) / stepSeconds + 1 },
    (_, i) => first + i * stepSeconds,
  );
  const seeded: SeedSeries[] = series.map((s) => ({
    metric: s.metric,
    labels: s.labels ?? {},
    samples: times.map((t) => ({ t, v: valueAt(s.value, t) })),
  }));
  const prom = await startSeededPrometheus({ binaries, dir, series: seeded });
  try {
    await expectVisible(prom.url, series.length);
  } catch (err) {
    await prom.stop();
    throw err;
  }
  return prom;
}

function valueAt(value: NowValue, t: number): number {
  return typeof value === 'function' ? value(t) : value;
}

async function expectVisible(url: string, expected: number): Promise<void> {
  if (expected === 0) return;
  const query = new URLSearchParams({ query: 'count({__name__=~".+"})' });
  const res = await fetch(`${url}/api/v1/query?${query.toString()}`);
  const body = (await res.json()) as { data?: { result?: { value?: [number, string] }[] } };
  const seen = Number(body.data?.result?.[0]?.value?.[1] ?? 0);
  if (seen !== expected)
    throw new Error(`seeded Prometheus at ${url} sees ${seen} of ${expected} series at now`);
}

/** A loopback HTTP proxy that forwards each request to whatever `target()` is at that moment. */
async function startProxy(target: () => string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const upstream = new URL(req.url ?? '/', target());
    const out = request(upstream, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, loopback, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${loopback}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
