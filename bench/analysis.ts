// Throughput of the pure analysis code: parsing and evaluating conditions, and folding a pass of
// an AnalysisRun. Prints figures; asserts nothing.
//   node dist/bench/analysis.js [--n 200000]
import { parseArgs } from 'node:util';

import type { AnalysisRun, Metric } from '../src/api/analysis.js';
import { advanceRun, dueMeasurements } from '../src/decide/analysis/run.js';
import { evaluateBoolean, parseCondition } from '../src/decide/expr/index.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '200000' } } });
const n = Number(values.n);

const conditions = [
  'result[0] >= 0.95',
  'len(result) == 0 || result[0] >= 0.95',
  'all(result, {# > 0.9}) and not any(result, {isNaN(#)})',
  'result[0] < 0.5 ? false : mean(result) >= asFloat("0.9")',
];

function perSecond(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en')}/s`;
}

function benchParse(): void {
  const start = performance.now();
  for (let i = 0; i < n; i++) parseCondition(conditions[i % conditions.length] ?? '');
  const ms = performance.now() - start;
  process.stdout.write(`parse condition:      ${perSecond(n, ms)} (${n} in ${ms.toFixed(0)} ms)\n`);
}

function benchEvaluate(): void {
  const parsed = conditions.map((c) => {
    const p = parseCondition(c);
    if (!p.ok) throw new Error(p.error);
    return p.condition;
  });
  const env = { result: [0.97, 0.99, 0.95, 0.98] };
  const start = performance.now();
  for (let i = 0; i < n; i++) evaluateBoolean(parsed[i % parsed.length]!, env);
  const ms = performance.now() - start;
  process.stdout.write(`evaluate condition:   ${perSecond(n, ms)} (${n} in ${ms.toFixed(0)} ms)\n`);
}

function benchRunPass(): void {
  const metric: Metric = {
    name: 'rate',
    interval: '1s',
    successCondition: 'result[0] >= 0.95',
    provider: { prometheus: { query: 'q' } },
  };
  let run: AnalysisRun = { metadata: { name: 'r' }, spec: { metrics: [metric] } };
  const passes = Math.max(1, Math.floor(n / 20));
  const t0 = Date.parse('2026-11-29T12:00:00Z');
  const start = performance.now();
  for (let i = 0; i < passes; i++) {
    const now = t0 + i * 1000;
    const due = dueMeasurements(run, now);
    const outcomes = Object.fromEntries(
      due.map((d) => [d.metricName, { kind: 'value' as const, value: [0.99], display: '[0.99]' }]),
    );
    run = { ...run, status: advanceRun(run, now, outcomes).status };
  }
  const ms = performance.now() - start;
  process.stdout.write(
    `AnalysisRun pass:     ${perSecond(passes, ms)} (${passes} passes, 10 measurements kept)\n`,
  );
}

benchParse();
benchEvaluate();
benchRunPass();
