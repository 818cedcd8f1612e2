// How one measurement's outcome becomes a phase. The rules follow Argo: a failure condition that
// holds fails; a success condition decides otherwise; with both and neither holding the result
// is inconclusive. ramp adds one rule Argo lacks: a query that returned nothing and a condition
// that cannot be evaluated on it is Inconclusive with a "no data" message, never a success and
// never a cryptic error — no traffic is something a person should look at.
import { AnalysisPhase } from '../../api/analysis.js';
import type { MeasureOutcome } from '../../analysis/provider.js';
import { evaluateBoolean, parseCondition, type Condition } from '../expr/index.js';

/** The parsed conditions of a metric (absent ones undefined). */
export interface MetricConditions {
  readonly success?: Condition | undefined;
  readonly failure?: Condition | undefined;
}

/** Parses a metric's conditions; a syntax error is returned, naming which condition. */
export function parseConditions(metric: {
  name: string;
  successCondition?: string | undefined;
  failureCondition?: string | undefined;
}): { ok: true; conditions: MetricConditions } | { ok: false; error: string } {
  const out: { success?: Condition; failure?: Condition } = {};
  for (const [key, text] of [
    ['success', metric.successCondition],
    ['failure', metric.failureCondition],
  ] as const) {
    if (text === undefined || text.trim() === '') continue;
    const parsed = parseCondition(text);
    if (!parsed.ok)
      return {
        ok: false,
        error: `metric "${metric.name}": ${key}Condition ${JSON.stringify(text)}: ${parsed.error}`,
      };
    out[key] = parsed.condition;
  }
  return { ok: true, conditions: out };
}

/** A judged measurement: its phase, the value as shown, and why. */
export interface Judgement {
  readonly phase: string;
  readonly value?: string | undefined;
  readonly message?: string | undefined;
}

/** Judges a provider's outcome against the metric's conditions. */
export function judge(outcome: MeasureOutcome, conditions: MetricConditions): Judgement {
  if (outcome.kind === 'error') return { phase: AnalysisPhase.Error, message: outcome.message };
  if (outcome.kind === 'phase') return { phase: outcome.phase, message: outcome.message };
  return judgeValue(outcome, conditions);
}

function judgeValue(
  outcome: Extract<MeasureOutcome, { kind: 'value' }>,
  conditions: MetricConditions,
): Judgement {
  const env = { result: outcome.value };
  const failure = conditions.failure && evaluateBoolean(conditions.failure, env);
  const success = conditions.success && evaluateBoolean(conditions.success, env);
  if (failure && !failure.ok) return unevaluable(outcome, failure.error);
  if (success && !success.ok) return unevaluable(outcome, success.error);
  return { phase: phaseOf(failure?.value, success?.value), value: outcome.display };
}

/**
 * Argo's rule: a failure condition that holds fails; a success condition alone fails when it does
 * not hold; with both and neither holding the result is inconclusive; none at all succeeds.
 */
function phaseOf(failed: boolean | undefined, succeeded: boolean | undefined): string {
  if (failed === true) return AnalysisPhase.Failed;
  if (succeeded === undefined || succeeded) return AnalysisPhase.Successful;
  return failed === undefined ? AnalysisPhase.Failed : AnalysisPhase.Inconclusive;
}

/** No data is inconclusive and says so; a condition that breaks on real data is an error. */
function unevaluable(
  outcome: Extract<MeasureOutcome, { kind: 'value' }>,
  error: string,
): Judgement {
  if (outcome.empty)
    return {
      phase: AnalysisPhase.Inconclusive,
      value: outcome.display,
      message: `no data: the query returned no samples (${error})`,
    };
  return { phase: AnalysisPhase.Error, value: outcome.display, message: `condition: ${error}` };
}
