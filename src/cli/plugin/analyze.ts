// `analyze`: one measurement of each metric of a template, now, with the providers the controller
// uses and judged by the same code, so a person can try a template (and its conditions) before a
// Rollout depends on it. Pure parts here; the command itself is in analysis-commands.ts.
import { AnalysisPhase, type Metric } from '../../api/analysis.js';
import type { MeasureOutcome } from '../../analysis/provider.js';
import { judge, type MetricConditions } from '../../decide/analysis/judge.js';

/** What one metric's measurement came to. */
export interface MetricVerdict {
  readonly metric: string;
  readonly value: string;
  /** Successful, Failed, Inconclusive, Error, or Skipped (a job metric without --run-jobs). */
  readonly verdict: string;
  readonly condition: string;
  readonly message?: string | undefined;
  /** A dryRun metric: shown, but it does not decide the exit code. */
  readonly dryRun: boolean;
}

/** The conditions of a metric as a person wrote them. */
export function conditionText(metric: Metric): string {
  const parts = [
    metric.successCondition ? `success: ${metric.successCondition}` : '',
    metric.failureCondition ? `failure: ${metric.failureCondition}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : '-';
}

/** Judges one outcome with the metric's parsed conditions, exactly as a run would. */
export function verdictOf(
  metric: Metric,
  conditions: MetricConditions,
  outcome: MeasureOutcome,
  dryRun: boolean,
): MetricVerdict {
  const judged = judge(outcome, conditions);
  return {
    metric: metric.name,
    value: judged.value ?? '-',
    verdict: judged.phase,
    condition: conditionText(metric),
    message: judged.message,
    dryRun,
  };
}

/** True when a metric's name is matched by one of the template's dryRun rules (regexes, as Argo). */
export function isDryRun(name: string, rules: readonly { metricName: string }[]): boolean {
  return rules.some((rule) => {
    try {
      return new RegExp(rule.metricName).test(name);
    } catch {
      return false;
    }
  });
}

/** Exit 0 only when every measured metric that counts is Successful. */
export function allSuccessful(verdicts: readonly MetricVerdict[]): boolean {
  return verdicts
    .filter((v) => !v.dryRun && v.verdict !== 'Skipped')
    .every((v) => v.verdict === AnalysisPhase.Successful);
}

/** The verdicts as a table, with each message on its own indented line below its metric. */
export function renderVerdicts(verdicts: readonly MetricVerdict[]): string {
  const header = ['METRIC', 'VALUE', 'VERDICT', 'CONDITION'];
  const rows = verdicts.map((v) => [
    v.metric,
    v.value,
    v.dryRun ? `${v.verdict} (dry run)` : v.verdict,
    v.condition,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(header)];
  verdicts.forEach((v, i) => {
    out.push(line(rows[i] ?? []));
    if (v.message) out.push(`  ${v.metric}: ${v.message}`);
  });
  return `${out.join('\n')}\n`;
}
