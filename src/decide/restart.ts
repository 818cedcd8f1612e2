// spec.restartAt: every pod created before that time is replaced, one at a time, and only while
// every ReplicaSet is fully available, so a restart never takes capacity below the spec.
import type { ReplicaSetFacts, RolloutAction, RolloutFacts, RolloutPlan } from './rollout-plan.js';

/** A pod of the Rollout, as far as a restart needs to know it. */
export interface PodFacts {
  readonly name: string;
  /** creationTimestamp in ms. */
  readonly created: number;
}

/** The restart time still to be carried out, or undefined. */
export function pendingRestart(facts: Pick<RolloutFacts, 'rollout' | 'now'>): number | undefined {
  const { restartAt } = facts.rollout.spec;
  if (!restartAt) return undefined;
  const at = Date.parse(restartAt);
  const done = facts.rollout.status?.restartedAt;
  if (at > facts.now || (done && Date.parse(done) >= at)) return undefined;
  return at;
}

/** Adds the next restart step to a plan: delete the oldest pod, or record that all are newer. */
export function withRestart(
  plan: RolloutPlan,
  facts: RolloutFacts,
  pods: readonly PodFacts[],
): RolloutPlan {
  const at = pendingRestart(facts);
  if (at === undefined || plan.actions.some((a) => a.kind !== 'event')) return plan;
  const old = pods.filter((p) => p.created < at).sort((a, b) => a.created - b.created);
  if (old.length === 0) {
    // The same timestamp text as spec.restartAt (second precision, as Kubernetes writes times).
    return {
      ...plan,
      status: {
        ...plan.status,
        restartedAt: facts.rollout.spec.restartAt ?? new Date(at).toISOString(),
      },
    };
  }
  if (!facts.replicaSets.every(fullyAvailable))
    return { ...plan, requeueAfterMs: Math.min(plan.requeueAfterMs ?? 5_000, 5_000) };
  const action: RolloutAction = { kind: 'deletePod', name: (old[0] as PodFacts).name };
  return {
    ...plan,
    actions: [...plan.actions, action],
    requeueAfterMs: Math.min(plan.requeueAfterMs ?? 5_000, 5_000),
  };
}

function fullyAvailable(rs: ReplicaSetFacts): boolean {
  return rs.observed && rs.availableReplicas >= rs.specReplicas && rs.replicas === rs.specReplicas;
}
