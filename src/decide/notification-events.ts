// Which notifications a reconcile pass gives rise to, decided purely from the Events it emits and
// what it saw: the trigger (Argo's names), and the payload an on-call person needs to act — old
// and new image, step, weights, and for a failed analysis the metric, its value and condition.
import type { AnalysisRun } from '../api/analysis.js';
import { Reason } from '../api/conditions.js';
import type { Rollout, RolloutStatus } from '../api/rollout.js';
import type { ReplicaSetFacts, RolloutAction } from './plan-common.js';

/** A notification to send (the shape src/notify accepts). */
export interface NotificationEvent {
  readonly trigger: string;
  readonly rollout: {
    name: string;
    namespace: string;
    uid: string;
    annotations: Record<string, string>;
    labels: Record<string, string>;
  };
  readonly revision: number;
  readonly message: string;
  /** When a recurring moment happened (abortedAt, the pause's start), to tell repeats apart. */
  readonly occurrence?: string | undefined;
  readonly images: { stable?: string; canary?: string };
  readonly step?: { index: number; count: number };
  readonly weights?: { canary: number; stable: number };
  readonly analysis?: {
    runName: string;
    metricName?: string;
    value?: string;
    condition?: string;
    message?: string;
  };
  readonly time: string;
}

/** Argo's notification triggers for the Event reasons a pass emits. */
const triggers: Readonly<Record<string, string>> = {
  [Reason.RolloutAborted]: 'on-rollout-aborted',
  [Reason.RolloutPaused]: 'on-rollout-paused',
  [Reason.RolloutCompleted]: 'on-rollout-completed',
  [Reason.RolloutStepCompleted]: 'on-rollout-step-completed',
  [Reason.RolloutUpdated]: 'on-rollout-updated',
  [Reason.AnalysisRunFailed]: 'on-analysis-run-failed',
};

/** What the pass saw and decided. */
export interface NotificationInput {
  readonly rollout: Rollout;
  readonly status: RolloutStatus;
  readonly actions: readonly RolloutAction[];
  readonly replicaSets: readonly ReplicaSetFacts[];
  /** The Rollout's AnalysisRuns, for the failing metric's details. */
  readonly runs: readonly AnalysisRun[];
  readonly now: number;
}

/** The notifications of one pass (the notifier drops repeats of the same event and revision). */
export function notificationsFor(input: NotificationInput): NotificationEvent[] {
  return input.actions.flatMap((action) => {
    if (action.kind !== 'event') return [];
    const trigger = triggers[action.reason];
    if (!trigger) return [];
    const analysis = trigger === 'on-analysis-run-failed' ? failedAnalysis(input) : undefined;
    const finalTrigger = analysis?.phase === 'Error' ? 'on-analysis-run-error' : trigger;
    return [build(input, finalTrigger, action.message, analysis?.details)];
  });
}

function build(
  input: NotificationInput,
  trigger: string,
  message: string,
  analysis: NotificationEvent['analysis'],
): NotificationEvent {
  const { rollout, status } = input;
  return {
    trigger,
    rollout: {
      name: rollout.metadata.name,
      namespace: rollout.metadata.namespace ?? '',
      uid: rollout.metadata.uid ?? '',
      annotations: rollout.metadata.annotations ?? {},
      labels: rollout.metadata.labels ?? {},
    },
    revision: newRevision(input) ?? revisionOf(input, status.currentPodHash),
    message,
    ...occurrenceOf(trigger, status),
    images: images(input),
    ...progress(input),
    ...(analysis ? { analysis } : {}),
    time: new Date(input.now).toISOString(),
  };
}

/** Step i/n and weights, for a canary. */
function progress(input: NotificationInput): Pick<NotificationEvent, 'step' | 'weights'> {
  const steps = input.rollout.spec.strategy?.canary?.steps;
  const index = input.status.currentStepIndex;
  const weights = input.status.canary?.weights;
  return {
    ...(steps && index !== undefined ? { step: { index, count: steps.length } } : {}),
    ...(weights
      ? { weights: { canary: weights.canary.weight, stable: weights.stable.weight } }
      : {}),
  };
}

/** The abort's or pause's time stamp, for the triggers that can fire twice in one step. */
function occurrenceOf(trigger: string, status: RolloutStatus): { occurrence?: string } {
  if (trigger === 'on-rollout-aborted' && status.abortedAt) return { occurrence: status.abortedAt };
  const pause = status.pauseConditions?.[0]?.startTime;
  if (trigger === 'on-rollout-paused' && pause) return { occurrence: pause };
  return {};
}

/** The revision this pass gives a new or brought-back ReplicaSet (not in the cache yet). */
function newRevision(input: NotificationInput): number | undefined {
  for (const a of input.actions)
    if (a.kind === 'createReplicaSet' || a.kind === 'setRevision') return a.revision;
  return undefined;
}

function revisionOf(input: NotificationInput, hash: string | undefined): number {
  return input.replicaSets.find((rs) => rs.podHash === hash)?.revision ?? 0;
}

function imageOf(template: unknown): string | undefined {
  const containers = (template as { spec?: { containers?: { image?: string }[] } } | undefined)
    ?.spec?.containers;
  return containers?.[0]?.image;
}

function images(input: NotificationInput): { stable?: string; canary?: string } {
  const stableRs = input.replicaSets.find((rs) => rs.podHash === input.status.stableRS);
  const stable = imageOf(stableRs?.template);
  const canary = imageOf(input.rollout.spec.template);
  return {
    ...(stable ? { stable } : {}),
    ...(canary && canary !== stable ? { canary } : {}),
  };
}

const failing = (phase: string | undefined): boolean => phase === 'Failed' || phase === 'Error';

/** The newest failed or errored run of this revision and its failing metric. */
function failedAnalysis(
  input: NotificationInput,
): { phase: string; details: NonNullable<NotificationEvent['analysis']> } | undefined {
  const hash = input.status.currentPodHash;
  const run = [...input.runs]
    .filter((r) => r.metadata.labels?.['rollouts-pod-template-hash'] === hash)
    .filter((r) => failing(r.status?.phase))
    .sort((a, b) =>
      String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
    )[0];
  if (!run) return undefined;
  return { phase: run.status?.phase ?? 'Failed', details: runDetails(run) };
}

function runDetails(run: AnalysisRun): NonNullable<NotificationEvent['analysis']> {
  const result = run.status?.metricResults?.find((m) => failing(m.phase));
  return {
    runName: run.metadata.name,
    ...defined({
      metricName: result?.name,
      value: result?.measurements?.at(-1)?.value,
      condition: conditionOf(run, result?.name),
      message: run.status?.message,
    }),
  };
}

function conditionOf(run: AnalysisRun, metricName: string | undefined): string | undefined {
  const metric = run.spec.metrics.find((m) => m.name === metricName);
  return metric?.failureCondition ?? metric?.successCondition;
}

/** The entries with a value (optional fields are left out rather than set to undefined). */
function defined(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
}
