// workloadRef: a Rollout whose pod template and selector come from an existing Deployment, which
// is scaled down as the Rollout takes over (never, on success, or progressively).
import { Phase } from '../api/conditions.js';
import type { Rollout } from '../api/rollout.js';
import type { RolloutAction, RolloutPlan } from './rollout-plan.js';

/** The referenced Deployment as observed (undefined when it does not exist). */
export interface WorkloadFacts {
  readonly name: string;
  readonly generation: number;
  readonly replicas: number;
  readonly selector: Record<string, unknown>;
  readonly template: Record<string, unknown>;
}

/** The Rollout with its template and selector taken from the Deployment. */
export function resolveWorkload(rollout: Rollout, workload: WorkloadFacts): Rollout {
  // Validated as a Rollout with its own template: the reference itself has been resolved.
  const { workloadRef: _resolved, ...spec } = rollout.spec;
  return {
    ...rollout,
    spec: { ...spec, selector: workload.selector, template: workload.template },
  };
}

/** The message when the referenced workload cannot be used. */
export function missingWorkloadMessage(rollout: Rollout): string {
  const ref = rollout.spec.workloadRef;
  if (ref?.kind !== 'Deployment' || ref.apiVersion !== 'apps/v1') {
    return `spec.workloadRef: only apps/v1 Deployment is supported, got ${ref?.apiVersion ?? '?'} ${ref?.kind ?? '?'}`;
  }
  return `spec.workloadRef: Deployment "${ref.name ?? ''}" not found in namespace ${rollout.metadata.namespace ?? ''}`;
}

/** Adds the Deployment's scale-down and the observed generation to a plan made for the resolved Rollout. */
export function withWorkload(
  plan: RolloutPlan,
  rollout: Rollout,
  workload: WorkloadFacts,
): RolloutPlan {
  const desired = workloadReplicas(rollout, workload, plan);
  const actions: RolloutAction[] =
    desired === undefined || desired === workload.replicas
      ? []
      : [{ kind: 'scaleWorkload', name: workload.name, replicas: desired }];
  return {
    ...plan,
    actions: [...plan.actions, ...actions],
    status: { ...plan.status, workloadObservedGeneration: String(workload.generation) },
  };
}

function workloadReplicas(
  rollout: Rollout,
  workload: WorkloadFacts,
  plan: RolloutPlan,
): number | undefined {
  const mode = rollout.spec.workloadRef?.scaleDown ?? 'never';
  if (mode === 'onsuccess') return plan.status.phase === Phase.Healthy ? 0 : undefined;
  if (mode === 'progressively') {
    // Hand pods over as the Rollout's become available, never below zero.
    return Math.max(0, (rollout.spec.replicas ?? 1) - (plan.status.availableReplicas ?? 0));
  }
  return undefined;
}
