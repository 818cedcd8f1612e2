// What a GitOps controller tells its metrics after a pass and on delete.
import type { KubernetesObject } from '@kubernetes/client-node';

import type { GitOpsCondition } from '../api/gitops.js';
import type { Informer } from '../kube/informer.js';
import type { ControllerMetrics, GitOpsKind } from '../observability/metrics.js';

/** The parts of a GitRepository or GitSync the metrics read. */
interface GitOpsObject {
  readonly metadata: { readonly namespace: string; readonly name: string };
  readonly spec: { readonly suspend?: boolean | undefined };
}

/** Sets the object's gitops_condition and gitops_suspended series from the status its pass decided. */
export function reportGitOpsObject(
  metrics: ControllerMetrics | undefined,
  kind: GitOpsKind,
  obj: GitOpsObject,
  conditions: readonly GitOpsCondition[] | undefined,
): void {
  metrics?.setGitOpsObject({
    kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    conditions: conditions ?? [],
    suspended: obj.spec.suspend === true,
  });
}

/** Drops a deleted object's series (they would otherwise report its last status until restart). */
export function forgetDeletedGitOpsObjects<T extends KubernetesObject & GitOpsObject>(
  metrics: ControllerMetrics | undefined,
  kind: GitOpsKind,
  informer: Informer<T>,
): void {
  if (!metrics) return;
  informer.on('delete', (obj) =>
    metrics.forgetGitOpsObject(kind, obj.metadata.namespace, obj.metadata.name),
  );
}
