// Conditions of the GitOps kinds (metav1.Condition rules): a condition keeps its
// lastTransitionTime while its status stays the same, so "Ready since" means what it says.
import type { GitOpsCondition } from '../../api/gitops.js';

/** A condition to set, without the times the helper fills in. */
export interface ConditionInput {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/** The list with `input` set: the old entry replaced, its transition time kept if status held. */
export function setCondition(
  conditions: readonly GitOpsCondition[] | undefined,
  input: ConditionInput,
  now: Date,
  generation: number | undefined,
): GitOpsCondition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === input.type);
  const old = index >= 0 ? list[index] : undefined;
  const next: GitOpsCondition = {
    ...input,
    lastTransitionTime:
      old && old.status === input.status ? old.lastTransitionTime : now.toISOString(),
  };
  if (generation !== undefined) next.observedGeneration = generation;
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** The list without conditions of the given types. */
export function removeConditions(
  conditions: readonly GitOpsCondition[] | undefined,
  ...types: string[]
): GitOpsCondition[] {
  return (conditions ?? []).filter((c) => !types.includes(c.type));
}

/** The condition of a type, if present. */
export function conditionOf(
  conditions: readonly GitOpsCondition[] | undefined,
  type: string,
): GitOpsCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` is True. */
export function isTrue(conditions: readonly GitOpsCondition[] | undefined, type: string): boolean {
  return conditionOf(conditions, type)?.status === 'True';
}
