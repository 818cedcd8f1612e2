// Record: one status write per pass, guarded by the resourceVersion that was read, so a status
// another client changed meanwhile (promote, abort) is never overwritten with stale values.
import type { KubeConfig } from '@kubernetes/client-node';

import type { Rollout, RolloutStatus } from '../../api/rollout.js';
import { statusMergePatch } from '../../decide/status-patch.js';
import { mergePatch } from '../../kube/rollout-io.js';

/** Writes the status if it changed; returns the new resourceVersion, or undefined if nothing was written. */
export async function recordStatus(
  kc: KubeConfig,
  rollout: Rollout,
  next: RolloutStatus,
): Promise<string | undefined> {
  const patch = statusMergePatch(rollout.status ?? {}, next);
  if (!patch) return undefined;
  const written = await mergePatch<Rollout>(
    kc,
    {
      apiVersion: 'argoproj.io/v1alpha1',
      plural: 'rollouts',
      namespace: rollout.metadata.namespace ?? '',
      name: rollout.metadata.name,
      subresource: 'status',
    },
    // The resourceVersion makes this a compare-and-swap: a 409 means "read again".
    { metadata: { resourceVersion: rollout.metadata.resourceVersion }, status: patch },
  );
  return written.metadata.resourceVersion;
}
