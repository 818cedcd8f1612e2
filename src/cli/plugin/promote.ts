// What `promote` writes, decided purely from the Rollout as read: the same merge patches, in the
// same order, as `kubectl argo rollouts promote` (pkg/kubectl-argo-rollouts/cmd/promote), so the
// controller cannot tell which plugin promoted. Argo's rules, kept as they are:
// - spec.paused → {"spec":{"paused":false}}, sent after the status patch;
// - pause conditions present → clear them, leaving status.controllerPause alone: the controller
//   reads "controllerPause without a pause condition" as "someone promoted past this pause step";
// - except a canary paused by an inconclusive step analysis, where clearing alone would leave the
//   step unfinished: also controllerPause=false and currentStepIndex+1;
// - no pause condition on a canary → skip the current step (currentStepIndex+1, conditions null);
// - --full → status.promoteFull=true only, and only while the update is not already stable; it
//   does not unpause spec.paused (Argo's promote --full does not either).
import type { Rollout } from '../../api/rollout.js';

/** A JSON merge patch body, e.g. {"status":{"pauseConditions":null}}. */
export type MergePatch = Record<string, unknown>;

/** The patches of one promotion; either may be absent. */
export interface PromotePatches {
  /** Sent first, to the status subresource. */
  readonly status?: MergePatch;
  /** Sent second, to the Rollout. */
  readonly spec?: MergePatch;
}

/** The patches `promote` (or `promote --full`) sends for this Rollout. */
export function promotePatches(rollout: Rollout, full: boolean): PromotePatches {
  if (full) return fullPromotion(rollout);
  const spec = rollout.spec.paused ? { spec: { spec: { paused: false } } } : {};
  const status = stepPatch(rollout);
  return { ...(status ? { status: { status } } : {}), ...spec };
}

function fullPromotion(rollout: Rollout): PromotePatches {
  const status = rollout.status ?? {};
  const updating = (status.currentPodHash ?? '') !== (status.stableRS ?? '');
  return updating ? { status: { status: { promoteFull: true } } } : {};
}

function stepPatch(rollout: Rollout): Record<string, unknown> | undefined {
  const status = rollout.status ?? {};
  const paused = (status.pauseConditions ?? []).length > 0;
  if (paused && status.controllerPause === true && inconclusiveStep(rollout)) {
    const next = nextStepIndex(rollout);
    return next === undefined
      ? undefined
      : { pauseConditions: null, controllerPause: false, currentStepIndex: next };
  }
  if (paused) return { pauseConditions: null };
  const next = nextStepIndex(rollout);
  return next === undefined ? undefined : { pauseConditions: null, currentStepIndex: next };
}

function inconclusiveStep(rollout: Rollout): boolean {
  return (
    rollout.spec.strategy?.canary !== undefined &&
    rollout.status?.canary?.currentStepAnalysisRunStatus?.status === 'Inconclusive'
  );
}

/**
 * Argo's GetCurrentCanaryStep plus one: the step after the current one (capped at the number of
 * steps), or undefined for a rollout without canary steps.
 */
export function nextStepIndex(rollout: Rollout): number | undefined {
  const steps = rollout.spec.strategy?.canary?.steps ?? [];
  if (steps.length === 0) return undefined;
  const index = rollout.status?.currentStepIndex ?? 0;
  return index < steps.length ? index + 1 : index;
}
