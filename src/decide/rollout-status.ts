// The status a pass writes: counts, step, pause conditions, weights, conditions and phase, with
// Argo's field names, reasons and messages.
import { ConditionType, PauseReason, Phase, Reason } from '../api/conditions.js';
import type { RolloutCondition, RolloutStatus } from '../api/rollout.js';
import { canonicalJson } from './hash.js';
import type { RolloutFacts } from './rollout-plan.js';

/**
 * Where an update stands, whatever the strategy: moving, paused by the controller (a pause step,
 * a blue-green promotion gate), finishing, done, or aborted.
 */
export type Stage = 'progressing' | 'paused' | 'completing' | 'completed' | 'aborted';

/** What the status is computed from: a valid pass's decision, or an invalid spec's message. */
export type StatusInput =
  | {
      readonly facts: RolloutFacts;
      readonly podHash: string;
      readonly stableHash: string;
      readonly stage: Stage;
      /** The controller's pause in force (reason and start), if any. */
      readonly pause?: { readonly reason: string; readonly startedAt: number } | undefined;
      /** The canary's step index (progress is measured by it too). */
      readonly stepIndex?: number | undefined;
      /** The strategy's own status fields (canary weights and step, blue-green selectors). */
      readonly strategyStatus: RolloutStatus;
      /**
       * Old pods still running keep a completed rollout Progressing (canary). Blue-green is
       * Healthy once the active stack is: the old one only waits out its scale-down delay.
       */
      readonly oldPodsKeepProgressing?: boolean | undefined;
      readonly invalidMessage?: undefined;
    }
  | { readonly facts: RolloutFacts; readonly invalidMessage: string };

/** The Rollout status for a pass (only the fields ramp owns; `abort` is never written here). */
export function statusFor(input: StatusInput): RolloutStatus {
  const { facts } = input;
  const base: RolloutStatus = {
    observedGeneration: String(facts.rollout.metadata.generation ?? 0),
    ...counts(facts, input.invalidMessage === undefined ? input.podHash : undefined),
  };
  if (input.invalidMessage !== undefined)
    return { ...base, ...invalidStatus(facts, input.invalidMessage) };
  const [phase, message] = phaseOf(input);
  return {
    ...base,
    ...updateStatus(input),
    ...input.strategyStatus,
    ...controlFlags(input),
    phase,
    message,
    conditions: conditionsFor(input, facts.rollout.status?.conditions),
  };
}

function invalidStatus(facts: RolloutFacts, message: string): RolloutStatus {
  const conditions = setCondition(facts.rollout.status?.conditions, facts.now, {
    type: ConditionType.InvalidSpec,
    status: true,
    reason: Reason.InvalidSpec,
    message,
  });
  return { phase: Phase.Degraded, message: `${Reason.InvalidSpec}: ${message}`, conditions };
}

function updateStatus(input: Valid): RolloutStatus {
  const pause = input.stage === 'paused' ? input.pause : undefined;
  return {
    currentPodHash: input.podHash,
    stableRS: input.stableHash,
    selector: selectorString(input.facts),
    pauseConditions: pause
      ? [{ reason: pause.reason, startTime: new Date(pause.startedAt).toISOString() }]
      : [],
    controllerPause: input.stage === 'paused',
  };
}

/** The canary's own status fields: its step and the weights of both sides. */
export function canaryStatus(
  facts: RolloutFacts,
  hashes: { podHash: string; stableHash: string },
  stepIndex: number,
  weight: number,
): RolloutStatus {
  const steps = facts.rollout.spec.strategy?.canary?.steps ?? [];
  return {
    currentStepHash: stepHash(steps),
    currentStepIndex: stepIndex,
    canary: { weights: weightsOf(facts, hashes, weight) },
  };
}

/** abortedAt while aborted; promoteFull and abort reset when they have been acted on. */
function controlFlags(input: Valid): RolloutStatus {
  const previous = input.facts.rollout.status ?? {};
  const out: RolloutStatus = {};
  if (input.stage === 'aborted')
    out.abortedAt = previous.abortedAt ?? new Date(input.facts.now).toISOString();
  if (input.stage === 'completed' && previous.promoteFull) out.promoteFull = false;
  // A new revision starts clean: an abort of the previous one no longer applies.
  if (previous.abort && previous.currentPodHash !== input.podHash) out.abort = false;
  return out;
}

function weightsOf(
  facts: RolloutFacts,
  hashes: { podHash: string; stableHash: string },
  weight: number,
): NonNullable<NonNullable<RolloutStatus['canary']>['weights']> {
  return {
    canary: {
      weight,
      podTemplateHash: hashes.podHash,
      ...serviceName(facts, 'canaryService'),
    },
    stable: {
      weight: 100 - weight,
      podTemplateHash: hashes.stableHash,
      ...serviceName(facts, 'stableService'),
    },
    ...(facts.routed ? { verified: facts.actualWeight === weight } : {}),
  };
}

function serviceName(
  facts: RolloutFacts,
  key: 'canaryService' | 'stableService',
): { serviceName?: string } {
  const name = facts.rollout.spec.strategy?.canary?.[key];
  return name ? { serviceName: name } : {};
}

function counts(facts: RolloutFacts, podHash: string | undefined): RolloutStatus {
  const sum = (f: (rs: RolloutFacts['replicaSets'][number]) => number): number =>
    facts.replicaSets.reduce((n, rs) => n + f(rs), 0);
  const current = facts.replicaSets.find((rs) => rs.podHash === podHash);
  const replicas = sum((rs) => rs.replicas);
  return {
    replicas,
    HPAReplicas: replicas,
    readyReplicas: sum((rs) => rs.readyReplicas),
    availableReplicas: sum((rs) => rs.availableReplicas),
    updatedReplicas: current?.replicas ?? 0,
  };
}

function selectorString(facts: RolloutFacts): string {
  const labels = facts.rollout.spec.selector?.matchLabels ?? {};
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** A short hash of the steps: Argo restarts the steps when they change mid-rollout. */
function stepHash(steps: unknown): string {
  let h = 0x811c9dc5;
  for (const ch of canonicalJson(steps)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16);
}

type Valid = Extract<StatusInput, { invalidMessage?: undefined }>;

function phaseOf(input: Valid): [string, string] {
  const { facts } = input;
  if (input.stage === 'aborted')
    return [
      Phase.Degraded,
      `${Reason.RolloutAborted}: Rollout aborted update to revision ${revisionOf(input)}`,
    ];
  if (deadlineExceeded(input)) {
    return [
      Phase.Degraded,
      `${Reason.ProgressDeadlineExceeded}: ReplicaSet "${facts.rollout.metadata.name}-${input.podHash}" has timed out progressing.`,
    ];
  }
  if (input.stage === 'paused')
    return [Phase.Paused, input.pause?.reason ?? PauseReason.CanaryPauseStep];
  if (facts.rollout.spec.paused) return [Phase.Paused, 'manually paused'];
  if (input.stage !== 'completed') return [Phase.Progressing, progressMessage(input)];
  return completedPhase(input);
}

/** After the last step: Healthy once the stable side is fully up and the old pods are gone. */
function completedPhase(input: Valid): [string, string] {
  const { facts } = input;
  const stable = facts.replicaSets.find((rs) => rs.podHash === input.stableHash);
  const replicas = facts.rollout.spec.replicas ?? 1;
  if ((stable?.availableReplicas ?? 0) < replicas)
    return [Phase.Progressing, 'updated replicas are still becoming available'];
  const others = facts.replicaSets.filter(
    (rs) => rs.podHash !== input.stableHash && rs.replicas > 0,
  );
  if (others.length > 0 && input.oldPodsKeepProgressing !== false)
    return [Phase.Progressing, 'old replicas are pending termination'];
  return [Phase.Healthy, ''];
}

function progressMessage(input: Valid): string {
  if (input.stage === 'completing') return 'more replicas need to be updated';
  if (input.facts.rollout.spec.strategy?.blueGreen) return 'waiting for the new ReplicaSet';
  return 'waiting for all steps to complete';
}

function revisionOf(input: Valid): number {
  return input.facts.replicaSets.find((rs) => rs.podHash === input.podHash)?.revision ?? 0;
}

function conditionsFor(
  input: Valid,
  previous: readonly RolloutCondition[] | undefined,
): RolloutCondition[] {
  const revision = revisionOf(input);
  const [phase] = phaseOf(input);
  const available = availableNow(input);
  const completed = input.stage === 'completed';
  const healthy = phase === Phase.Healthy;
  const paused = phase === Phase.Paused;
  const updates: ConditionUpdate[] = [
    { type: ConditionType.Progressing, ...progressingCondition(input), touch: progressed(input) },
    {
      type: ConditionType.Available,
      status: available,
      reason: Reason.Available,
      message: available
        ? 'Rollout has minimum availability'
        : 'Rollout does not have minimum availability',
    },
    {
      type: ConditionType.Completed,
      status: completed,
      reason: completed ? Reason.RolloutCompleted : Reason.RolloutNotCompleted,
      message: completed
        ? `Rollout completed update to revision ${revision} (${input.podHash}): Rollout completed`
        : `Rollout not completed, started update to revision ${revision} (${input.podHash})`,
    },
    {
      type: ConditionType.Healthy,
      status: healthy,
      reason: Reason.RolloutHealthy,
      message: healthy ? 'Rollout is healthy' : 'Rollout is not healthy',
    },
    {
      type: ConditionType.Paused,
      status: paused,
      reason: paused ? Reason.RolloutPaused : Reason.RolloutResumed,
      message: paused ? 'Rollout is paused' : 'Rollout is resumed',
    },
  ];
  return updates.reduce(
    (list, update) => setCondition(list, input.facts.now, update),
    removeCondition(previous, ConditionType.InvalidSpec),
  );
}

function availableNow(input: Valid): boolean {
  const replicas = input.facts.rollout.spec.replicas ?? 1;
  const maxUnavailable = 0;
  const available = input.facts.replicaSets.reduce((n, rs) => n + rs.availableReplicas, 0);
  return available >= replicas - maxUnavailable;
}

/** Default spec.progressDeadlineSeconds. */
const defaultProgressDeadlineSeconds = 600;

/** Something moved since the last status: pods became available, a step or revision changed. */
function progressed(input: Valid): boolean {
  const previous = input.facts.rollout.status ?? {};
  const now = counts(input.facts, input.podHash);
  return (
    previous.availableReplicas !== now.availableReplicas ||
    previous.updatedReplicas !== now.updatedReplicas ||
    previous.currentStepIndex !== input.stepIndex ||
    previous.currentPodHash !== input.podHash
  );
}

/**
 * True when an update has made no progress for progressDeadlineSeconds (measured from the last
 * progress, the Progressing condition's lastUpdateTime). Paused and aborted rollouts never time out.
 */
export function deadlineExceeded(input: Valid): boolean {
  const waiting =
    (input.stage === 'progressing' || input.stage === 'completing') &&
    !input.facts.rollout.spec.paused;
  if (!waiting || progressed(input)) return false;
  const condition = input.facts.rollout.status?.conditions?.find(
    (c) => c.type === ConditionType.Progressing,
  );
  if (!condition) return false;
  if (condition.reason === Reason.ProgressDeadlineExceeded) return true;
  const seconds =
    input.facts.rollout.spec.progressDeadlineSeconds ?? defaultProgressDeadlineSeconds;
  return input.facts.now - Date.parse(condition.lastUpdateTime) > seconds * 1000;
}

function progressingCondition(input: Valid): { status: boolean; reason: string; message: string } {
  const name = input.facts.rollout.metadata.name;
  const rsName = `${name}-${input.podHash}`;
  if (deadlineExceeded(input)) {
    return {
      status: false,
      reason: Reason.ProgressDeadlineExceeded,
      message: `ReplicaSet "${rsName}" has timed out progressing.`,
    };
  }
  if (input.stage === 'aborted')
    return {
      status: false,
      reason: Reason.RolloutAborted,
      message: `Rollout aborted update to revision ${revisionOf(input)}`,
    };
  if (input.stage === 'paused' || input.facts.rollout.spec.paused)
    return { status: true, reason: Reason.RolloutPaused, message: 'Rollout is paused' };
  if (input.stage === 'completed')
    return {
      status: true,
      reason: Reason.NewReplicaSetAvailable,
      message: `ReplicaSet "${rsName}" has successfully progressed.`,
    };
  return {
    status: true,
    reason: Reason.ReplicaSetUpdated,
    message: `ReplicaSet "${rsName}" is progressing.`,
  };
}

/** A condition to set: its type, whether it holds, and why. */
export interface ConditionUpdate {
  readonly type: string;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
  /** Refresh lastUpdateTime even when nothing else changes (progress was made). */
  readonly touch?: boolean;
}

/** Sets a condition, keeping lastTransitionTime when the status is unchanged (Argo's rule). */
export function setCondition(
  conditions: readonly RolloutCondition[] | undefined,
  now: number,
  update: ConditionUpdate,
): RolloutCondition[] {
  const list = [...(conditions ?? [])];
  const at = new Date(now).toISOString();
  const value = update.status ? 'True' : 'False';
  const index = list.findIndex((c) => c.type === update.type);
  const old = list[index];
  if (unchanged(old, value, update) && !update.touch) return list;
  const next: RolloutCondition = {
    type: update.type,
    status: value,
    reason: update.reason,
    message: update.message,
    lastUpdateTime: at,
    lastTransitionTime: old && old.status === value ? old.lastTransitionTime : at,
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

function unchanged(
  old: RolloutCondition | undefined,
  value: string,
  update: ConditionUpdate,
): boolean {
  return (
    old !== undefined &&
    old.status === value &&
    old.reason === update.reason &&
    old.message === update.message
  );
}

function removeCondition(
  conditions: readonly RolloutCondition[] | undefined,
  type: string,
): RolloutCondition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
