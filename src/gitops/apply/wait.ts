// Waiting for the first stage: objects of a CRD's kinds can be applied only once the CRD is
// Established and discovery serves its kinds, and objects in a Namespace once it is Active.
import { setTimeout as delay } from 'node:timers/promises';

import {
  crdEstablished,
  crdServes,
  isCrd,
  isNamespace,
  namespacePhase,
} from '../../decide/gitops/apply-order.js';
import { describeRef, type ManifestObject } from '../../decide/gitops/objects.js';
import type { DynamicClient } from '../../kube/dynamic.js';
import type { ObjectResult } from './types.js';

const pollMs = 200;

/** The result once the object is ready, or turned into a failure saying why it is not. */
export async function awaitReady(
  client: DynamicClient,
  manifest: ManifestObject,
  result: ObjectResult,
  deadline: number,
): Promise<ObjectResult> {
  // Nothing to wait for when the object was not written and is not there.
  if (!result.live) return result;
  if (isCrd(manifest)) return awaitCrd(client, manifest, result, deadline);
  if (isNamespace(manifest)) return awaitNamespace(client, result, deadline);
  return result;
}

async function awaitCrd(
  client: DynamicClient,
  manifest: ManifestObject,
  result: ObjectResult,
  deadline: number,
): Promise<ObjectResult> {
  let live = result.live;
  for (;;) {
    const state = crdEstablished(live);
    if (state.established && (await served(client, manifest)))
      return { ...result, live: live ?? {} };
    if (Date.now() > deadline) {
      const what = state.established ? 'served by discovery' : 'Established';
      const why = state.message ? `: ${state.message}` : '';
      return {
        ...result,
        action: 'failed',
        message: `${describeRef(result.ref)} is not ${what} in time${why}`,
      };
    }
    await delay(pollMs);
    live = await client.get(result.ref);
  }
}

/** True when discovery lists the CRD's kind in every version it serves. */
async function served(client: DynamicClient, crd: ManifestObject): Promise<boolean> {
  const { apiVersions, kind } = crdServes(crd);
  const found = await Promise.all(apiVersions.map((v) => client.resourceFor(v, kind)));
  return found.every((info) => info !== undefined);
}

async function awaitNamespace(
  client: DynamicClient,
  result: ObjectResult,
  deadline: number,
): Promise<ObjectResult> {
  let live = result.live;
  for (;;) {
    const phase = namespacePhase(live);
    if (phase === 'Active') return { ...result, live: live ?? {} };
    // A Terminating namespace will not take new objects; waiting for the deletion to end could
    // take the whole budget, so it is reported at once.
    if (phase === 'Terminating' || Date.now() > deadline) {
      const message = `${describeRef(result.ref)} is not Active (phase ${phase || 'unset'})`;
      return { ...result, action: 'failed', message };
    }
    await delay(pollMs);
    live = await client.get(result.ref);
  }
}
