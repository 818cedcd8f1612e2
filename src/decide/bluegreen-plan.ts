// placeholder replaced below
import type { RolloutFacts, RolloutPlan } from './plan-common.js';
import { planCanary } from './canary-plan.js';
/** Decides one pass for a blue-green Rollout. */
export function planBlueGreen(facts: RolloutFacts): RolloutPlan {
  return planCanary(facts);
}
