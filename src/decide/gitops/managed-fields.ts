// Field ownership taken over from kubectl, which is what makes self-heal real. Server-side apply
// only removes a field its manager owned and stopped applying, and a `kubectl edit` moves the
// edited fields to the `kubectl-edit` manager: without the takeover ramp's next apply would keep
// a label kubectl added and (with force) only win back the fields it sets itself. Merging
// kubectl's field sets into ramp's Apply entry makes ramp the owner of everything kubectl touched,
// so the next apply resets changed fields and drops added ones. Pure.
//
// The `kubectl.kubernetes.io/last-applied-configuration` annotation needs no separate handling:
// its owner is `kubectl-client-side-apply` (or `before-first-apply` for objects created before
// server-side apply existed), which is taken over like any other kubectl manager, so ramp's next
// apply (which does not set it) removes it.

/** One entry of metadata.managedFields, as JSON on the wire. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldSet;
  subresource?: string;
}

/** A fieldsV1 set: keys such as `f:spec` or `k:{"name":"app"}` nested to the owned leaves. */
export type FieldSet = { [key: string]: FieldSet };

/** ramp's field manager for server-side apply. */
export const rampFieldManager = 'ramp';

/** Managers that write outside Git: kubectl's, and the one the API server names pre-SSA owners. */
export function isKubectlManager(manager: string | undefined): boolean {
  if (manager === undefined) return false;
  return (
    manager === 'kubectl' || manager.startsWith('kubectl-') || manager === 'before-first-apply'
  );
}

/** The kubectl managers of an object, for messages (e.g. "changed by kubectl-edit"). */
export function kubectlManagers(managedFields: readonly ManagedFieldsEntry[]): string[] {
  return [...new Set(managedFields.filter(takenOver).map((e) => e.manager ?? ''))].sort();
}

/**
 * The managedFields after moving every kubectl manager's fields into `manager`'s Apply entry, or
 * undefined when no kubectl manager owns anything there.
 */
export function takeOverFields(
  managedFields: readonly ManagedFieldsEntry[],
  manager = rampFieldManager,
): ManagedFieldsEntry[] | undefined {
  const own = managedFields.find((e) => isApplyEntryOf(e, manager));
  const apiVersion = own?.apiVersion ?? managedFields.find(takenOver)?.apiVersion;
  // Field paths are spelled in one apiVersion's schema, so only sets of the same version merge.
  const moved = managedFields.filter((e) => takenOver(e) && e.apiVersion === apiVersion);
  if (moved.length === 0) return undefined;
  const merged = mergedEntry(own, moved, manager, apiVersion);
  const kept = managedFields.filter((e) => !moved.includes(e));
  return own ? kept.map((e) => (e === own ? merged : e)) : [...kept, merged];
}

/** ramp's Apply entry owning its own fields and all of the moved ones. */
function mergedEntry(
  own: ManagedFieldsEntry | undefined,
  moved: readonly ManagedFieldsEntry[],
  manager: string,
  apiVersion: string | undefined,
): ManagedFieldsEntry {
  const fields = moved.reduce<FieldSet>(
    (acc, e) => unionFields(acc, e.fieldsV1 ?? {}),
    own?.fieldsV1 ?? {},
  );
  return {
    ...(own ?? { manager, operation: 'Apply' }),
    ...(apiVersion ? { apiVersion } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
  };
}

/** The deep union of two field sets. */
export function unionFields(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { ...a };
  for (const [key, sub] of Object.entries(b))
    out[key] = key in out ? unionFields(out[key] ?? {}, sub) : sub;
  return out;
}

/** A kubectl entry of the main resource (status and other subresources stay with their owner). */
function takenOver(e: ManagedFieldsEntry): boolean {
  return isKubectlManager(e.manager) && mainResource(e);
}

function isApplyEntryOf(e: ManagedFieldsEntry, manager: string): boolean {
  return e.manager === manager && e.operation === 'Apply' && mainResource(e);
}

/** Entries of the object itself; /scale writes spec.replicas of the object, so it counts too. */
function mainResource(e: ManagedFieldsEntry): boolean {
  return !e.subresource || e.subresource === 'scale';
}
