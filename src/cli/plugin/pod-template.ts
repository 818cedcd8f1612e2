// The pure halves of `set image` and `undo`: reading CONTAINER=IMAGE, changing images in a pod
// template, and choosing the ReplicaSet whose template an undo restores — Argo's rules, so the
// API sees the same writes as with `kubectl argo rollouts`.

/** A parsed CONTAINER=IMAGE argument. */
export interface ImageArg {
  readonly container: string;
  readonly image: string;
}

/** Reads CONTAINER=IMAGE (`*` for every container); a malformed one is a message. */
export function parseImageArg(arg: string): ImageArg | { error: string } {
  const parts = arg.split('=');
  const [container = '', image = ''] = parts;
  if (parts.length !== 2 || container.trim() === '' || image.trim() === '')
    return {
      error: `invalid CONTAINER=IMAGE argument ${JSON.stringify(arg)}: expected e.g. app=nginx:1.27`,
    };
  if (/\s/.test(container) || /\s/.test(image))
    return {
      error: `invalid CONTAINER=IMAGE argument ${JSON.stringify(arg)}: names hold no spaces`,
    };
  return { container, image };
}

type Container = { name?: unknown; image?: unknown } & Record<string, unknown>;
type PodSpec = Record<string, unknown>;

/** The lists of a pod spec that hold containers, in the order Argo searches them. */
const containerLists = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/**
 * A copy of the object with the image set on every container of that name (all of them for `*`)
 * in spec.template.spec; `found` is false when no container matched.
 */
export function withImage<T>(obj: T, arg: ImageArg): { obj: T; found: boolean } {
  const copy = structuredClone(obj);
  const podSpec = podSpecOf(copy);
  let found = false;
  for (const list of containerLists) {
    for (const c of containersIn(podSpec, list)) {
      if (c.name !== arg.container && arg.container !== '*') continue;
      c.image = arg.image;
      found = true;
    }
  }
  return { obj: copy, found };
}

/** Names of every container of spec.template.spec, for a helpful "not found" message. */
export function containerNames(obj: unknown): string[] {
  const podSpec = podSpecOf(obj);
  return containerLists.flatMap((list) =>
    containersIn(podSpec, list).map((c) => (typeof c.name === 'string' ? c.name : '?')),
  );
}

function podSpecOf(obj: unknown): PodSpec | undefined {
  const spec = (obj as { spec?: { template?: { spec?: unknown } } } | undefined)?.spec;
  const podSpec = spec?.template?.spec;
  return podSpec && typeof podSpec === 'object' ? (podSpec as PodSpec) : undefined;
}

function containersIn(podSpec: PodSpec | undefined, list: string): Container[] {
  const value = podSpec?.[list];
  return Array.isArray(value)
    ? value.filter((c): c is Container => Boolean(c) && typeof c === 'object')
    : [];
}

/** Argo's annotation holding a ReplicaSet's revision number. */
export const revisionAnnotation = 'rollout.argoproj.io/revision';
/** Label the controller adds to pod templates; never part of what a person wrote. */
export const podTemplateHashLabel = 'rollouts-pod-template-hash';

/** A ReplicaSet as an undo reads it. */
export interface RevisionReplicaSet {
  readonly metadata: { name?: string; annotations?: Record<string, string> };
  readonly spec?: { template?: Record<string, unknown> };
}

/** The revision of a ReplicaSet: 0 without the annotation, undefined when it is not a number. */
function revisionOf(rs: RevisionReplicaSet): number | undefined {
  const text = rs.metadata.annotations?.[revisionAnnotation];
  if (text === undefined) return 0;
  return /^\d+$/.test(text.trim()) ? Number(text) : undefined;
}

/**
 * The ReplicaSet to roll back to: the one of `toRevision`, or with 0 the second-newest revision
 * (the newest is the current one), as Argo picks it.
 */
export function selectRevision<T extends RevisionReplicaSet>(
  replicaSets: readonly T[],
  toRevision: number,
): { rs: T; revision: number } | { error: string } {
  const numbered = replicaSets
    .map((rs) => ({ rs, revision: revisionOf(rs) }))
    .filter((e): e is { rs: T; revision: number } => e.revision !== undefined);
  if (toRevision > 0) {
    const match = numbered.find((e) => e.revision === toRevision);
    return match ?? { error: `unable to find specified revision ${toRevision} in history` };
  }
  const sorted = [...numbered].sort((a, b) => b.revision - a.revision);
  return sorted[1] ?? { error: 'no previous revision found in history' };
}

/** A pod template without the controller's hash label: what undo writes back. */
export function withoutHashLabel(template: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(template);
  const labels = (copy.metadata as { labels?: Record<string, string> } | undefined)?.labels;
  if (labels) delete labels[podTemplateHashLabel];
  return copy;
}

/**
 * True when every field set in `current` has the same value in `previous` (Kubernetes'
 * semantic DeepDerivative: empty values in `current` match anything), ignoring the hash label.
 */
export function templateMatches(current: unknown, previous: unknown): boolean {
  const strip = (t: unknown): unknown =>
    t && typeof t === 'object' ? withoutHashLabel(t as Record<string, unknown>) : t;
  return derivative(strip(current), strip(previous));
}

function derivative(a: unknown, b: unknown): boolean {
  if (isEmpty(a)) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => derivative(v, b[i]));
  if (typeof a === 'object') {
    if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
    const other = b as Record<string, unknown>;
    return Object.entries(a as Record<string, unknown>).every(([k, v]) => derivative(v, other[k]));
  }
  return a === b;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}
