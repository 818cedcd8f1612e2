// The apply engine: server-side applies rendered manifests in two stages (CRDs and Namespaces,
// then the rest), with bounded concurrency; one object's failure never stops the others.
import { applyStages, definedInBatch, duplicateObjects } from '../../decide/gitops/apply-order.js';
import {
  objectKey,
  refOf,
  type ManifestObject,
  type ObjectRef,
} from '../../decide/gitops/objects.js';
import type { DynamicClient, LiveObject } from '../../kube/dynamic.js';
import { applyObject, errorMessage, type ObjectContext } from './object.js';
import { mapLimit } from './pool.js';
import type { ApplyOptions, ApplyReport, ObjectResult } from './types.js';
import { awaitReady } from './wait.js';

/** Requests in flight when ApplyOptions.concurrency is unset. */
export const defaultConcurrency = 8;

/** Applies (or, in detect mode, checks) the objects and reports each one in input order. */
export async function applyObjects(
  client: DynamicClient,
  objects: readonly ManifestObject[],
  opts: ApplyOptions,
): Promise<ApplyReport> {
  const deadline = Date.now() + opts.timeoutMs;
  const limit = opts.concurrency ?? defaultConcurrency;
  const ctx: ObjectContext = {
    client,
    mode: opts.mode,
    labels: opts.labels,
    namespace: opts.namespace,
    kindPending: (ref) => definedInBatch(objects, ref),
  };
  const results = new Map<ManifestObject, ObjectResult>(duplicatesFailed(objects, opts));
  const pending = objects.filter((o) => !results.has(o));
  const { first, rest } = applyStages(pending);
  await mapLimit(first, limit, async (obj) => {
    const result = await applyObject(obj, ctx);
    results.set(obj, opts.mode === 'apply' ? await ready(client, obj, result, deadline) : result);
  });
  await mapLimit(rest, limit, async (obj) => {
    results.set(obj, Date.now() > deadline ? timedOut(obj, opts) : await applyObject(obj, ctx));
  });
  const ordered = objects.map((o) => results.get(o) ?? timedOut(o, opts));
  return {
    results: ordered,
    failed: ordered.filter((r) => r.action === 'failed').length,
    changed: ordered.filter((r) => r.action === 'created' || r.action === 'configured').length,
  };
}

/** Every copy of an object rendered more than once fails: which copy Git means is unknowable. */
function duplicatesFailed(
  objects: readonly ManifestObject[],
  opts: ApplyOptions,
): [ManifestObject, ObjectResult][] {
  return duplicateObjects(objects, opts.namespace).flatMap(({ ref, indexes, message }) =>
    indexes.map((i): [ManifestObject, ObjectResult] => [
      objects[i] as ManifestObject,
      { ref, action: 'failed', message },
    ]),
  );
}

async function ready(
  client: DynamicClient,
  obj: ManifestObject,
  result: ObjectResult,
  deadline: number,
): Promise<ObjectResult> {
  try {
    return await awaitReady(client, obj, result, deadline);
  } catch (err) {
    return { ...result, action: 'failed', message: errorMessage(err) };
  }
}

function timedOut(obj: ManifestObject, opts: ApplyOptions): ObjectResult {
  const message = `not applied: the apply ran out of its ${opts.timeoutMs / 1000}s`;
  return { ref: refOf(obj), action: 'failed', message };
}

/** Deletes objects (prune); one already gone counts as deleted. */
export async function deleteObjects(
  client: DynamicClient,
  refs: readonly ObjectRef[],
  concurrency = defaultConcurrency,
): Promise<{ ref: ObjectRef; deleted: boolean; message?: string }[]> {
  return mapLimit(refs, concurrency, async (ref) => {
    try {
      const outcome = await client.delete(ref, { propagationPolicy: 'Background' });
      return outcome === 'gone'
        ? { ref, deleted: true, message: 'already gone' }
        : { ref, deleted: true };
    } catch (err) {
      return { ref, deleted: false, message: errorMessage(err) };
    }
  });
}

/**
 * The live objects, keyed by objectKey; undefined for one that (or whose kind) does not exist.
 * Any other error (forbidden, unreachable) rejects: a missing object must not be guessed.
 */
export async function readObjects(
  client: DynamicClient,
  refs: readonly ObjectRef[],
  concurrency = defaultConcurrency,
): Promise<Map<string, LiveObject | undefined>> {
  const live = await mapLimit(refs, concurrency, async (ref) => {
    const info = await client.resourceFor(ref.apiVersion, ref.kind);
    return info ? client.get(ref) : undefined;
  });
  return new Map(refs.map((ref, i) => [objectKey(ref), live[i]]));
}
