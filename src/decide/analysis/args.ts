// Template arguments: `{{args.name}}` placeholders in a metric are replaced by the run's argument
// values. Secret values are resolved by the controller at measurement time and passed in here;
// they only ever live in memory, never in the run's spec or status.
import type { Argument, Metric } from '../../api/analysis.js';

const placeholder = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/g;

/** The names of the args a value refers to. */
export function referencedArgs(value: unknown): string[] {
  const names = new Set<string>();
  visitStrings(value, (text) => {
    for (const [, name] of text.matchAll(placeholder)) names.add(name as string);
  });
  return [...names];
}

function visitStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((v) => visitStrings(v, visit));
  else if (value && typeof value === 'object')
    Object.values(value as Record<string, unknown>).forEach((v) => visitStrings(v, visit));
}

function replaceStrings(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, replace));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        replaceStrings(v, replace),
      ]),
    );
  return value;
}

/** The metric with its placeholders replaced; a reference to an unknown arg is an error. */
export function substituteArgs(
  metric: Metric,
  values: Readonly<Record<string, string>>,
): { ok: true; metric: Metric } | { ok: false; error: string } {
  const missing = referencedArgs(metric).filter((name) => !Object.hasOwn(values, name));
  if (missing.length > 0)
    return {
      ok: false,
      error: `metric "${metric.name}": no value for ${missing.map((n) => `args.${n}`).join(', ')}`,
    };
  const replaced = replaceStrings(metric, (text) =>
    text.replace(placeholder, (_m, name: string) => values[name] ?? ''),
  ) as Metric;
  return { ok: true, metric: { ...replaced, name: metric.name } };
}

/** The secret references the run's args need resolved before measuring. */
export function secretRefs(
  args: readonly Argument[],
): { arg: string; name: string; key: string }[] {
  return args.flatMap((a) => {
    const ref = a.valueFrom?.secretKeyRef;
    return a.value === undefined && ref ? [{ arg: a.name, name: ref.name, key: ref.key }] : [];
  });
}

/** The plain values of the run's args, with the resolved secret values filled in. */
export function argValues(
  args: readonly Argument[],
  secrets: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const value = a.value ?? secrets[a.name];
    if (value !== undefined) out[a.name] = value;
  }
  return out;
}
