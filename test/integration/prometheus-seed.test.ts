// Seeds deterministic series into a real Prometheus (Debian's package) and reads back the exact
// values at the seeded times.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensurePrometheus } from '../../src/local/prometheus-dist.js';
import { startSeededPrometheus, type SeededPrometheus } from '../../src/local/prometheus.js';
import { testConfig, testLog } from '../support/settings.js';

// A fixed hour in the past: seeded data is queried at its own times, never at "now".
const t0 = 1_790_000_000;
const series = [
  {
    metric: 'http_requests_total',
    labels: { code: '200', app: 'web' },
    samples: [0, 1, 2, 3, 4].map((i) => ({ t: t0 + 60 * i, v: 100 * i })),
  },
  {
    metric: 'http_requests_total',
    labels: { code: '500', app: 'web' },
    samples: [0, 1, 2, 3, 4].map((i) => ({ t: t0 + 60 * i, v: 5 * i })),
  },
  // Given out of order on purpose: the helper must sort, or promtool silently drops samples.
  {
    metric: 'latency_seconds',
    labels: { app: 'web' },
    samples: [
      { t: t0 + 120, v: 0.25 },
      { t: t0, v: 0.125 },
      { t: t0 + 60, v: 0.5 },
    ],
  },
];

let prom: SeededPrometheus;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ramp-prom-'));
  prom = await startSeededPrometheus({
    binaries: await ensurePrometheus(testConfig.cacheDir, testLog),
    dir,
    series,
  });
});

afterAll(async () => {
  await prom?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Vector {
  status: string;
  data: {
    resultType: string;
    result: {
      metric: Record<string, string>;
      value?: [number, string];
      values?: [number, string][];
    }[];
  };
}

async function query(path: string, params: Record<string, string>): Promise<Vector> {
  const res = await fetch(`${prom.url}${path}?${new URLSearchParams(params).toString()}`);
  expect(res.ok).toBe(true);
  return (await res.json()) as Vector;
}

describe('seeded Prometheus', () => {
  it('answers an instant query with the exact seeded values at the seeded time', async () => {
    const body = await query('/api/v1/query', {
      query: 'http_requests_total{app="web"}',
      time: String(t0 + 180),
    });
    const byCode = Object.fromEntries(
      body.data.result.map((r): [string, string | undefined] => [
        r.metric.code ?? '',
        r.value?.[1],
      ]),
    );
    expect(byCode).toEqual({ '200': '300', '500': '15' });
  });

  it('returns every sample of a series, sorted, in a range query', async () => {
    const body = await query('/api/v1/query_range', {
      query: 'latency_seconds',
      start: String(t0),
      end: String(t0 + 120),
      step: '60',
    });
    expect(body.data.result[0]?.values).toEqual([
      [t0, '0.125'],
      [t0 + 60, '0.5'],
      [t0 + 120, '0.25'],
    ]);
  });

  it('evaluates PromQL over the seeded data (error ratio)', async () => {
    const q = 'sum(http_requests_total{code="500"}) / sum(http_requests_total)';
    const body = await query('/api/v1/query', { query: q, time: String(t0 + 240) });
    expect(Number(body.data.result[0]?.value?.[1])).toBeCloseTo(20 / 420, 12);
  });

  it('returns an empty vector where no data was seeded', async () => {
    const body = await query('/api/v1/query', {
      query: 'http_requests_total{app="absent"}',
      time: String(t0 + 60),
    });
    expect(body.data.result).toEqual([]);
  });
});
