// The analysis condition language: Argo Rollouts' successCondition / failureCondition, written
// in expr-lang's dialect, parsed once and evaluated over plain data. Nothing here throws; errors
// are values that name the column they are about. See docs/analysis-conditions.md.
import { describePosition } from './lexer.js';
import { describeValue, interpret } from './interpret.js';
import { parse, type Node } from './parser.js';

/** A parsed condition, ready to evaluate many times. */
export interface Condition {
  readonly source: string;
}

// The tree stays out of reach of callers: a Condition is only a handle for it.
const trees = new WeakMap<Condition, Node>();

/** Parses a condition; a syntax error names the position: `unexpected token ")" at column 12`. */
export function parseCondition(
  source: string,
): { ok: true; condition: Condition } | { ok: false; error: string } {
  if (typeof source !== 'string') return { ok: false, error: 'a condition must be a string' };
  try {
    const parsed = parse(source);
    if (!parsed.ok) return parsed;
    const condition: Condition = Object.freeze({ source });
    trees.set(condition, parsed.ast);
    return { ok: true, condition };
  } catch (error) {
    return {
      ok: false,
      error: `parsing failed: ${error instanceof Error ? error.message : 'unknown error'}`,
    };
  }
}

/** Evaluates against the environment (e.g. { result: [0.97] }); never throws. */
export function evaluateCondition(
  condition: Condition,
  env: Readonly<Record<string, unknown>>,
): { ok: true; value: unknown } | { ok: false; error: string } {
  const ast = trees.get(condition);
  if (!ast) return { ok: false, error: 'not a condition returned by parseCondition' };
  if (typeof env !== 'object' || env === null) {
    return { ok: false, error: 'the environment must be an object' };
  }
  const outcome = interpret(ast, env);
  if (outcome.ok) return outcome;
  if (outcome.pos === undefined) return { ok: false, error: outcome.error };
  return {
    ok: false,
    error: `${outcome.error} at ${describePosition(condition.source, outcome.pos)}`,
  };
}

/** Convenience for conditions that must be boolean: a non-boolean result is an error ("condition returned 0.5, not true or false"). */
export function evaluateBoolean(
  condition: Condition,
  env: Readonly<Record<string, unknown>>,
): { ok: true; value: boolean } | { ok: false; error: string } {
  const result = evaluateCondition(condition, env);
  if (!result.ok) return result;
  if (typeof result.value !== 'boolean') {
    return {
      ok: false,
      error: `condition returned ${describeValue(result.value)}, not true or false`,
    };
  }
  return { ok: true, value: result.value };
}
