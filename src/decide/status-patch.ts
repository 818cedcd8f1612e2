// The merge patch that turns one status into another. Only fields ramp owns are written, and a
// field ramp dropped is sent as null so the merge patch removes it; `abort` and `promoteFull`
// belong to the person (or the plugin) unless ramp deliberately sets them.

/** Status fields written only when the new status names them. */
const sharedFields = new Set(['abort', 'promoteFull']);

/** A JSON merge patch for `status`, or undefined when nothing changes. */
export function statusMergePatch(
  previous: Readonly<Record<string, unknown>>,
  next: Readonly<Record<string, unknown>>,
): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    const change = diff(previous[key], value);
    if (change !== unchanged) patch[key] = change;
  }
  for (const key of Object.keys(previous)) {
    if (next[key] === undefined && !sharedFields.has(key) && !ownedElsewhere.has(key))
      patch[key] = null;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** Fields another part of ramp maintains (analysis, blue-green); a canary pass leaves them alone. */
const ownedElsewhere = new Set([
  'blueGreen',
  'alb',
  'albs',
  'collisionCount',
  'restartedAt',
  'workloadObservedGeneration',
]);

const unchanged = Symbol('unchanged');

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The merge patch of one value: nested objects are patched key by key, so a nested field ramp
 * dropped (a finished analysis run's reference) is removed with null instead of lingering.
 */
function diff(previous: unknown, next: unknown): unknown {
  if (JSON.stringify(previous) === JSON.stringify(next)) return unchanged;
  if (!isPlainObject(previous) || !isPlainObject(next)) return next;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    const change = diff(previous[key], value);
    if (change !== unchanged) out[key] = change;
  }
  for (const key of Object.keys(previous)) if (next[key] === undefined) out[key] = null;
  return out;
}
