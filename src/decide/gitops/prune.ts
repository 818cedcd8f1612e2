// What to delete when objects leave Git, and what the inventory holds afterwards. Pure: the
// controller passes the previous inventory, the new render and what the live objects ask for.
// The guards follow Flux: nothing is pruned from a failed render or an unreachable source, and
// an empty render only prunes everything when the user said so (allowEmpty).
import { groupOf, objectKey, type ObjectRef } from './objects.js';

/** What planPrune decides from. */
export interface PruneInput {
  /** The inventory of the last successful sync. */
  previous: readonly ObjectRef[];
  /** The objects of this render. */
  current: readonly ObjectRef[];
  prune: boolean;
  allowEmpty: boolean;
  renderOk: boolean;
  sourceOk: boolean;
  /** True when the live object opts out of pruning (ramp.dev/prune: disabled). */
  keep: (ref: ObjectRef) => boolean;
}

/** Objects to delete (in order), stale objects left in place, and why pruning was refused. */
export interface PrunePlan {
  delete: ObjectRef[];
  kept: ObjectRef[];
  refused?: string;
}

/** Why pruning was refused, as status messages. */
export const PruneRefusal = {
  renderFailed: 'render failed: nothing pruned',
  sourceUnavailable: 'source is unavailable: nothing pruned',
  emptyRender: 'render is empty: nothing pruned (set allowEmpty to allow pruning everything)',
} as const;

/** Objects of `previous` that `current` no longer has (a new apiVersion is the same object). */
function staleObjects(previous: readonly ObjectRef[], current: readonly ObjectRef[]): ObjectRef[] {
  const wanted = new Set(current.map(objectKey));
  return dedupe(previous).filter((ref) => !wanted.has(objectKey(ref)));
}

function dedupe(refs: readonly ObjectRef[]): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  for (const ref of refs) if (!seen.has(objectKey(ref))) seen.set(objectKey(ref), ref);
  return [...seen.values()];
}

/**
 * Deletion tier: the reverse of apply order. Namespaced objects go first (custom resources while
 * their CRD still exists), then cluster-scoped ones, then Namespaces, then CRDs last.
 */
function deletionTier(ref: ObjectRef): number {
  const group = groupOf(ref.apiVersion);
  if (group === 'apiextensions.k8s.io' && ref.kind === 'CustomResourceDefinition') return 3;
  if (group === '' && ref.kind === 'Namespace') return 2;
  return ref.namespace ? 0 : 1;
}

function byKey(a: ObjectRef, b: ObjectRef): number {
  const ka = objectKey(a);
  const kb = objectKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function deletionOrder(a: ObjectRef, b: ObjectRef): number {
  return deletionTier(a) - deletionTier(b) || byKey(a, b);
}

function refusal(input: PruneInput): string | undefined {
  if (!input.sourceOk) return PruneRefusal.sourceUnavailable;
  if (!input.renderOk) return PruneRefusal.renderFailed;
  return undefined;
}

/** Which objects that left Git to delete, in a safe order, or why none are. */
export function planPrune(input: PruneInput): PrunePlan {
  // A failed render or source says nothing about what Git wants: its "stale" list is meaningless.
  const failure = refusal(input);
  if (failure) return input.prune ? { delete: [], kept: [], refused: failure } : nothing();
  const stale = staleObjects(input.previous, input.current).sort(deletionOrder);
  if (!input.prune || stale.length === 0) return { delete: [], kept: stale };
  if (input.current.length === 0 && !input.allowEmpty)
    return { delete: [], kept: stale, refused: PruneRefusal.emptyRender };
  return {
    delete: stale.filter((ref) => !input.keep(ref)),
    kept: stale.filter((ref) => input.keep(ref)),
  };
}

function nothing(): PrunePlan {
  return { delete: [], kept: [] };
}

/**
 * The inventory after a sync: what was applied, plus previous objects whose deletion failed (they
 * still exist, so a later pass must retry). Deduplicated by identity, the applied version winning.
 */
export function nextInventory(
  previous: readonly ObjectRef[],
  applied: readonly ObjectRef[],
  deleteFailed: readonly ObjectRef[],
): ObjectRef[] {
  // Only objects this GitSync owned stay: a failed delete never adopts anything new.
  const owned = new Set(previous.map(objectKey));
  const retained = deleteFailed.filter((ref) => owned.has(objectKey(ref)));
  return dedupe([...applied, ...retained])
    .map(copyRef)
    .sort(byKey);
}

function copyRef(ref: ObjectRef): ObjectRef {
  const copy: ObjectRef = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  if (ref.namespace) copy.namespace = ref.namespace;
  return copy;
}
