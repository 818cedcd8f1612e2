// Pod template hashes and template comparison. The hash names the ReplicaSet of a template; the
// comparison lets ramp adopt a ReplicaSet another controller (Argo) created for the same template
// even though that controller hashed it differently.
import { createHash } from 'node:crypto';

/** The label on ReplicaSets, pods and Service selectors that names a template. */
export const podTemplateHashLabel = 'rollouts-pod-template-hash';

// Kubernetes' "safe" alphabet: no vowels (no words) and no look-alike characters.
const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted, so equal objects serialise equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A copy of a pod template without the hash label, for comparing templates. */
export function withoutHashLabel(template: Record<string, unknown>): Record<string, unknown> {
  const metadata = (template.metadata ?? {}) as { labels?: Record<string, string> };
  const labels = { ...(metadata.labels ?? {}) };
  delete labels[podTemplateHashLabel];
  return { ...template, metadata: { ...metadata, labels } };
}

/** The hash of a pod template (and collision count), in the safe alphabet. */
export function podTemplateHash(template: Record<string, unknown>, collisionCount = 0): string {
  const digest = createHash('sha256')
    .update(canonicalJson(withoutHashLabel(template)))
    .update(`\0${collisionCount}`)
    .digest();
  let n = digest.readUInt32BE(0);
  let out = '';
  for (let i = 0; i < 10; i++) {
    out += alphabet[n % alphabet.length];
    n = Math.floor(n / alphabet.length);
  }
  return out;
}

/**
 * True when every field the Rollout's template sets has the same value in the ReplicaSet's
 * template (which also carries the API server's defaults). Used only to adopt a ReplicaSet that
 * another controller hashed differently; a ReplicaSet ramp made is found by its hash label.
 */
export function templateCovers(rsTemplate: unknown, rolloutTemplate: unknown): boolean {
  return covers(withoutHash(rsTemplate), withoutHash(rolloutTemplate));
}

function withoutHash(template: unknown): unknown {
  return template && typeof template === 'object'
    ? withoutHashLabel(template as Record<string, unknown>)
    : template;
}

function covers(actual: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) {
    return (
      Array.isArray(actual) &&
      actual.length === wanted.length &&
      wanted.every((w, i) => covers(actual[i], w))
    );
  }
  if (wanted && typeof wanted === 'object') {
    if (!actual || typeof actual !== 'object') return false;
    return Object.entries(wanted as Record<string, unknown>).every(([k, v]) =>
      covers((actual as Record<string, unknown>)[k], v),
    );
  }
  return actual === wanted;
}
