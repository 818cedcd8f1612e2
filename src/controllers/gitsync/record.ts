// The record step of a GitSync pass: one status patch (only when something changed) and the
// pass's Events.
import type { KubeConfig } from '@kubernetes/client-node';

import type { StatusDecision } from '../../decide/gitops/sync-status.js';
import { statusMergePatch } from '../../decide/status-patch.js';
import { patchGitOpsStatus, type GitSyncObject } from '../../kube/gitops-informers.js';
import { recordEvent } from '../../kube/rollout-io.js';
import type { Logger } from '../../observability/logger.js';

/** Writes the decided status and records its Events; true when the status was written. */
export async function recordDecision(
  kc: KubeConfig,
  log: Logger,
  gs: GitSyncObject,
  decision: StatusDecision,
): Promise<boolean> {
  // A merge patch that sends dropped fields as null (e.g. `drift` once healed).
  const patch = statusMergePatch(gs.status ?? {}, decision.status);
  if (patch) await patchGitOpsStatus(kc, 'GitSync', gs, patch);
  const about = {
    apiVersion: gs.apiVersion ?? 'ramp.dev/v1alpha1',
    kind: 'GitSync',
    namespace: gs.metadata.namespace,
    name: gs.metadata.name,
    uid: gs.metadata.uid,
  };
  for (const event of decision.events) {
    const line = { gitSync: `${gs.metadata.namespace}/${gs.metadata.name}`, reason: event.reason };
    if (event.type === 'Warning') log.warn(line, event.message);
    else log.info(line, event.message);
    await recordEvent(kc, about, { ...event, component: 'ramp-gitops' }).catch((err: unknown) =>
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'event not recorded'),
    );
  }
  return patch !== undefined;
}
