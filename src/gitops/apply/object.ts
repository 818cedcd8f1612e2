// Applies one object: read it, leave it alone when asked to, take kubectl's fields over, dry-run,
// and write only when the dry-run shows the live object differs from Git.
import { placeObject, skipReason, type Placement } from '../../decide/gitops/apply-order.js';
import { differs, driftedFields } from '../../decide/gitops/drift.js';
import {
  kubectlManagers,
  takeOverFields,
  type ManagedFieldsEntry,
} from '../../decide/gitops/managed-fields.js';
import { refOf, type ManifestObject, type ObjectRef } from '../../decide/gitops/objects.js';
import { DynamicClient, UnknownKindError, type LiveObject } from '../../kube/dynamic.js';
import { KubeRequestError } from '../../kube/raw.js';
import type { ObjectResult } from './types.js';

/** What applying one object needs besides the object. */
export interface ObjectContext {
  readonly client: DynamicClient;
  readonly mode: 'apply' | 'detect';
  readonly labels: Placement['labels'];
  readonly namespace: Placement['namespace'];
  /** True when a CRD of the same apply serves the kind (a missing kind is then only pending). */
  readonly kindPending: (ref: ObjectRef) => boolean;
}

type Outcome = Omit<ObjectResult, 'ref'>;

/** How often the managedFields takeover is retried when the object changed since it was read. */
const takeOverAttempts = 3;

/** Applies (or in detect mode checks) one object; failures become a `failed` result. */
export async function applyObject(
  manifest: ManifestObject,
  ctx: ObjectContext,
): Promise<ObjectResult> {
  let ref = refOf(manifest);
  try {
    const info = await ctx.client.resourceFor(manifest.apiVersion, manifest.kind);
    if (!info) {
      if (ctx.mode === 'detect' && ctx.kindPending(ref)) return { ref, action: 'missing' };
      throw new UnknownKindError(manifest.apiVersion, manifest.kind);
    }
    const obj = placeObject(manifest, {
      namespaced: info.namespaced,
      labels: ctx.labels,
      namespace: ctx.namespace,
    });
    ref = refOf(obj);
    return { ref, ...(await reconcile(obj, ctx)) };
  } catch (err) {
    return { ref, action: 'failed', message: errorMessage(err) };
  }
}

async function reconcile(obj: ManifestObject, ctx: ObjectContext): Promise<Outcome> {
  const live = await ctx.client.get(refOf(obj));
  const skip = skipReason(obj, live);
  if (skip)
    return live ? { action: 'skipped', message: skip, live } : { action: 'skipped', message: skip };
  if (!live) {
    if (ctx.mode === 'detect') return { action: 'missing' };
    return { action: 'created', live: await ctx.client.apply(obj, { dryRun: false, force: true }) };
  }
  return ctx.mode === 'apply' ? update(obj, live, ctx.client) : detect(obj, live, ctx.client);
}

/** Brings an existing object back to Git, writing nothing when it already matches. */
async function update(
  obj: ManifestObject,
  live: LiveObject,
  client: DynamicClient,
): Promise<Outcome> {
  const current = await takeOver(client, refOf(obj), live);
  const dryRun = await client.apply(obj, { dryRun: true, force: true });
  if (!differs(current, dryRun)) return { action: 'unchanged', live: current };
  const message = `changed ${driftedFields(current, dryRun).join(', ')}`;
  return {
    action: 'configured',
    message,
    live: await client.apply(obj, { dryRun: false, force: true }),
  };
}

/** Reports whether an existing object differs from Git, changing nothing. */
async function detect(
  obj: ManifestObject,
  live: LiveObject,
  client: DynamicClient,
): Promise<Outcome> {
  // Without the takeover a dry-run would keep what kubectl added, so kubectl's fields are drift.
  if (takeOverFields(managedFieldsOf(live))) {
    const managers = kubectlManagers(managedFieldsOf(live)).join(', ');
    return { action: 'drifted', message: `fields managed by ${managers}`, live };
  }
  const dryRun = await client.apply(obj, { dryRun: true, force: true });
  if (!differs(live, dryRun)) return { action: 'unchanged', live };
  return {
    action: 'drifted',
    message: `differs from Git in ${driftedFields(live, dryRun).join(', ')}`,
    live,
  };
}

/**
 * Moves the fields kubectl owns to ramp (see managed-fields.ts). The `test` of resourceVersion
 * keeps a write made since the read from losing its managedFields entry; such a race is retried.
 */
async function takeOver(
  client: DynamicClient,
  ref: ObjectRef,
  live: LiveObject,
): Promise<LiveObject> {
  let current = live;
  for (let attempt = 1; ; attempt++) {
    const fields = takeOverFields(managedFieldsOf(current));
    if (!fields) return current;
    const resourceVersion = (current.metadata as { resourceVersion?: string }).resourceVersion;
    try {
      return await client.patchJson(ref, [
        { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
        { op: 'replace', path: '/metadata/managedFields', value: fields },
      ]);
    } catch (err) {
      if (!changedSinceRead(err) || attempt >= takeOverAttempts) throw err;
      current = (await client.get(ref)) ?? current;
    }
  }
}

/** A failed `test` is 422; a write racing the patch inside the API server is 409. */
function changedSinceRead(err: unknown): boolean {
  return err instanceof KubeRequestError && (err.statusCode === 422 || err.statusCode === 409);
}

function managedFieldsOf(live: LiveObject): ManagedFieldsEntry[] {
  return (
    (live.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields ?? []
  );
}

/** The message of an error (for API errors, the API server's own words). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
