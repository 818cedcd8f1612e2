// One reconcile pass of a Rollout, decided purely: the spec is validated, then the strategy's
// planner turns what was observed into the status to write, the actions to take and when to look
// again.
import type { RolloutFacts, RolloutPlan } from './plan-common.js';
import { invalidPlan } from './plan-common.js';
import { planBlueGreen } from './bluegreen-plan.js';
import { planCanary } from './canary-plan.js';
import { invalidSpecMessage, validateRolloutSpec } from './validate-rollout.js';

export type { ReplicaSetFacts, RolloutAction, RolloutFacts, RolloutPlan } from './plan-common.js';
export { planCanary } from './canary-plan.js';

/** Decides one pass for a Rollout of either strategy. */
export function planRollout(facts: RolloutFacts): RolloutPlan {
  const { rollout } = facts;
  const errors = validateRolloutSpec(rollout.spec);
  if (errors.length > 0)
    return invalidPlan(facts, invalidSpecMessage(rollout.metadata.name, errors));
  return rollout.spec.strategy?.blueGreen ? planBlueGreen(facts) : planCanary(facts);
}
