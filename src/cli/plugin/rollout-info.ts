// What the views say about a Rollout and the objects around it, derived purely from those objects:
// the phase a person should see, the canary's step and weights, each ReplicaSet's role, and the
// status of ReplicaSets, Pods, AnalysisRuns and Jobs with the icons `kubectl argo rollouts` uses.
import type { V1ContainerStatus, V1Job, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

import type { AnalysisRun } from '../../api/analysis.js';
import {
  canaryStepKinds,
  type CanaryStep,
  type Rollout,
  type RolloutStatus,
} from '../../api/rollout.js';
import { podTemplateHashLabel } from '../../decide/hash.js';
import { weightAt } from '../../decide/steps.js';
import type { Style } from './ansi.js';

/** Everything `get rollout` shows: the Rollout and the objects it owns. */
export interface RolloutView {
  readonly rollout: Rollout;
  readonly replicaSets: readonly V1ReplicaSet[];
  readonly pods: readonly V1Pod[];
  readonly analysisRuns: readonly AnalysisRun[];
  readonly jobs: readonly V1Job[];
}

/** Argo's glyphs, so the tree reads the same as `kubectl argo rollouts get`. */
export const Icon = {
  ok: '✔',
  bad: '✖',
  progressing: '◌',
  paused: '॥',
  unknown: '?',
  warning: '⚠',
  scaledDown: '•',
  rollout: '⟳',
  revision: '#',
  replicaSet: '⧉',
  pod: '□',
  analysisRun: 'α',
  job: '⊞',
} as const;

/** A status as drawn: glyph, word, colour. */
export interface Badge {
  readonly icon: string;
  readonly text: string;
  readonly style?: Style | undefined;
}

const phaseBadges: Readonly<Record<string, Omit<Badge, 'text'>>> = {
  Healthy: { icon: Icon.ok, style: 'green' },
  Progressing: { icon: Icon.progressing, style: 'blue' },
  Paused: { icon: Icon.paused, style: 'yellow' },
  Degraded: { icon: Icon.bad, style: 'red' },
};

/** The badge of a Rollout phase (unknown phases get a question mark rather than a lie). */
export function phaseBadge(phase: string): Badge {
  return { icon: Icon.unknown, ...phaseBadges[phase], text: phase };
}

/** The phase and message a person should see, with why it may differ from status.phase. */
export interface EffectiveStatus {
  readonly phase: string;
  readonly message: string;
  /** The controller has not yet acted on the current spec: status.phase describes an older one. */
  readonly stale: boolean;
}

/**
 * The Rollout's phase, except that a spec the controller has not observed yet is Progressing:
 * right after an update, status.phase still says Healthy about the previous revision.
 */
export function effectiveStatus(rollout: Rollout): EffectiveStatus {
  const status = rollout.status;
  if (!status?.phase)
    return { phase: 'Progressing', message: 'waiting for the controller', stale: true };
  const generation = rollout.metadata.generation;
  if (generation !== undefined && status.observedGeneration !== String(generation))
    return {
      phase: 'Progressing',
      message: 'waiting for rollout spec update to be observed',
      stale: true,
    };
  return { phase: status.phase, message: status.message ?? '', stale: false };
}

/** Where a rollout stands for `status`: done (either way) or still moving. */
export type Outcome = 'healthy' | 'degraded' | 'aborted' | 'waiting';

/** The outcome `status` exits on: aborted and Degraded fail, Healthy succeeds, all else waits. */
export function outcomeOf(rollout: Rollout): Outcome {
  const status = effectiveStatus(rollout);
  if (status.stale) return 'waiting';
  if (rollout.status?.abort === true || status.message.startsWith('RolloutAborted'))
    return 'aborted';
  if (status.phase === 'Degraded') return 'degraded';
  return status.phase === 'Healthy' ? 'healthy' : 'waiting';
}

/** "Canary" or "BlueGreen" (Argo's spelling), "-" when the spec has neither. */
export function strategyName(rollout: Rollout): string {
  const strategy = rollout.spec.strategy;
  if (strategy?.blueGreen) return 'BlueGreen';
  return strategy?.canary ? 'Canary' : '-';
}

/** A canary's position: step i/n (Argo counts completed steps), weights, the step in force. */
export interface CanaryProgress {
  /** "2/4", or undefined without steps. */
  readonly step?: string | undefined;
  /** What the current step does, e.g. "pause until promoted". */
  readonly stepAction?: string | undefined;
  readonly setWeight: number;
  /** The share the canary really gets: routed weight, else its share of available pods. */
  readonly actualWeight?: number | undefined;
}

/** The canary's step and weights; undefined for blue-green. */
export function canaryProgress(rollout: Rollout, view?: RolloutView): CanaryProgress | undefined {
  const canary = rollout.spec.strategy?.canary;
  if (!canary) return undefined;
  const steps = canary.steps ?? [];
  const index = steps.length > 0 ? (rollout.status?.currentStepIndex ?? 0) : undefined;
  const current = index === undefined ? undefined : steps[index];
  return {
    step: index === undefined ? undefined : `${index}/${steps.length}`,
    stepAction: current ? describeStep(current) : undefined,
    setWeight: setWeightOf(rollout, steps, index),
    actualWeight: actualWeightOf(rollout, view),
  };
}

function setWeightOf(rollout: Rollout, steps: readonly CanaryStep[], index?: number): number {
  const status = rollout.status;
  if (status?.abort) return 0;
  if (index === undefined || index >= steps.length) return 100;
  if (status?.stableRS !== undefined && status.stableRS === status.currentPodHash) return 100;
  return weightAt(steps, index);
}

function actualWeightOf(rollout: Rollout, view: RolloutView | undefined): number | undefined {
  if (rollout.spec.strategy?.canary?.trafficRouting)
    return rollout.status?.canary?.weights?.canary.weight;
  return view ? replicaShare(view, rollout.status?.currentPodHash) : undefined;
}

/** Without a router the canary's weight is its share of the available pods. */
function replicaShare(view: RolloutView, canaryHash: string | undefined): number | undefined {
  if (canaryHash === undefined) return undefined;
  let total = 0;
  let canary = 0;
  for (const rs of view.replicaSets) {
    const available = rs.status?.availableReplicas ?? 0;
    total += available;
    if (hashOf(rs.metadata) === canaryHash) canary += available;
  }
  return total === 0 ? undefined : Math.round((canary * 100) / total);
}

/** A step in a few words: "setWeight 20", "pause 30s", "pause until promoted", "analysis". */
export function describeStep(step: CanaryStep): string {
  const kind = canaryStepKinds.find((k) => step[k] !== undefined) ?? 'unknown';
  if (step.setWeight !== undefined) return `setWeight ${step.setWeight}`;
  if (step.pause)
    return step.pause.duration === undefined
      ? 'pause until promoted'
      : `pause ${String(step.pause.duration)}`;
  return kind;
}

/** The pod-template hash label of an object. */
export function hashOf(meta: { labels?: Record<string, string> | undefined } | undefined): string {
  return meta?.labels?.[podTemplateHashLabel] ?? '';
}

/** The revision annotation of a ReplicaSet or AnalysisRun, if it has one. */
export function revisionOf(
  meta: { annotations?: Record<string, string> | undefined } | undefined,
): number | undefined {
  const text = meta?.annotations?.['rollout.argoproj.io/revision'];
  const n = text === undefined ? Number.NaN : Number(text);
  return Number.isInteger(n) ? n : undefined;
}

/** What the ReplicaSet with this hash is to the rollout: stable, canary, active, preview. */
export function rolesOf(rollout: Rollout, hash: string): string[] {
  const status = rollout.status;
  if (!hash || !status) return [];
  const roles = hash === status.stableRS ? ['stable'] : [];
  const role = rollout.spec.strategy?.blueGreen
    ? blueGreenRole(status, hash)
    : canaryRole(status, hash);
  return role ? [...roles, role] : roles;
}

function blueGreenRole(status: RolloutStatus, hash: string): string | undefined {
  if (hash === status.blueGreen?.activeSelector) return 'active';
  return hash === status.blueGreen?.previewSelector ? 'preview' : undefined;
}

function canaryRole(status: RolloutStatus, hash: string): string | undefined {
  return hash === status.currentPodHash && hash !== status.stableRS ? 'canary' : undefined;
}

/** The colour a role is drawn in: the serving side green, the new side yellow. */
export const roleStyle: Readonly<Record<string, Style>> = {
  stable: 'green',
  active: 'green',
  canary: 'yellow',
  preview: 'cyan',
};

/** Each image in play and the roles of the ReplicaSets that run it, stable side first. */
export function imagesOf(view: RolloutView): { image: string; roles: string[] }[] {
  const found = rolesByImage(view);
  if (found.size === 0) return templateImages(view.rollout);
  const rank = (roles: string[]): number =>
    roles.includes('stable') || roles.includes('active') ? 0 : 1;
  return [...found]
    .map(([image, roles]) => ({ image, roles: [...roles] }))
    .sort((a, b) => rank(a.roles) - rank(b.roles));
}

function rolesByImage(view: RolloutView): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const rs of view.replicaSets) {
    const roles = rolesOf(view.rollout, hashOf(rs.metadata));
    const containers = roles.length > 0 ? (rs.spec?.template?.spec?.containers ?? []) : [];
    for (const { image = '' } of containers)
      found.set(image, new Set([...(found.get(image) ?? []), ...roles]));
  }
  return found;
}

function templateImages(rollout: Rollout): { image: string; roles: string[] }[] {
  const template = rollout.spec.template as
    { spec?: { containers?: { image?: string }[] } } | undefined;
  return (template?.spec?.containers ?? []).map((c) => ({ image: c.image ?? '', roles: [] }));
}

/** A ReplicaSet's badge: scaled down, healthy when all its pods are available, else progressing. */
export function replicaSetBadge(rs: V1ReplicaSet): Badge {
  const { desired, current, available } = replicaCounts(rs);
  const failure = rs.status?.conditions?.some(
    (c) => c.type === 'ReplicaFailure' && c.status === 'True',
  );
  if (failure) return { icon: Icon.bad, text: 'Degraded', style: 'red' };
  if (desired === 0 && current === 0)
    return { icon: Icon.scaledDown, text: 'ScaledDown', style: 'dim' };
  if (desired > 0 && available >= desired)
    return { icon: Icon.ok, text: 'Healthy', style: 'green' };
  return { icon: Icon.progressing, text: 'Progressing', style: 'blue' };
}

function replicaCounts(rs: V1ReplicaSet): { desired: number; current: number; available: number } {
  return {
    desired: rs.spec?.replicas ?? 1,
    current: rs.status?.replicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
  };
}

/** "delay:29s" while an old ReplicaSet waits out its scale-down delay, "delay:passed" after. */
export function scaleDownDelay(rs: V1ReplicaSet, now: number): number | 'passed' | undefined {
  const deadline = rs.metadata?.annotations?.['scale-down-deadline'];
  if (!deadline || (rs.spec?.replicas ?? 0) === 0) return undefined;
  const remaining = Date.parse(deadline) - now;
  if (Number.isNaN(remaining)) return undefined;
  return remaining > 0 ? remaining : 'passed';
}

/** kubectl's STATUS column of a pod: Terminating, an init or container reason, else the phase. */
export function podStatusText(pod: V1Pod): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  return initStatus(pod) ?? containerReason(pod) ?? pod.status?.reason ?? phaseText(pod);
}

function phaseText(pod: V1Pod): string {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' ? 'Completed' : (phase ?? 'Unknown');
}

function initStatus(pod: V1Pod): string | undefined {
  const statuses = pod.status?.initContainerStatuses ?? [];
  for (const s of statuses) {
    const problem = initProblem(s);
    if (problem) return `Init:${problem}`;
  }
  const done = statuses.filter((s) => s.state?.terminated?.exitCode === 0).length;
  return done < statuses.length ? `Init:${done}/${statuses.length}` : undefined;
}

function initProblem(s: V1ContainerStatus): string | undefined {
  const terminated = s.state?.terminated;
  if (terminated && terminated.exitCode !== 0)
    return terminated.reason ?? `ExitCode:${terminated.exitCode}`;
  const waiting = s.state?.waiting?.reason;
  return waiting && waiting !== 'PodInitializing' ? waiting : undefined;
}

/** The last container with a reason wins, as in kubectl. */
function containerReason(pod: V1Pod): string | undefined {
  let reason: string | undefined;
  for (const s of pod.status?.containerStatuses ?? []) reason = stateReason(s) ?? reason;
  return reason;
}

function stateReason(s: V1ContainerStatus): string | undefined {
  const { waiting, terminated } = s.state ?? {};
  if (waiting?.reason) return waiting.reason;
  if (!terminated) return undefined;
  if (terminated.reason) return terminated.reason;
  return terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
}

const podStyles: Readonly<Record<string, Omit<Badge, 'text'>>> = {
  Running: { icon: Icon.ok, style: 'green' },
  Completed: { icon: Icon.ok, style: 'green' },
  Pending: { icon: Icon.progressing, style: 'blue' },
  Terminating: { icon: Icon.progressing, style: 'dim' },
  ContainerCreating: { icon: Icon.progressing, style: 'blue' },
  Failed: { icon: Icon.bad, style: 'red' },
  CrashLoopBackOff: { icon: Icon.bad, style: 'red' },
  InvalidImageName: { icon: Icon.bad, style: 'red' },
  ImagePullBackOff: { icon: Icon.warning, style: 'yellow' },
  RegistryUnavailable: { icon: Icon.warning, style: 'yellow' },
};

/** The badge of a pod status text (Argo's mapping: waiting ◌, broken ✖, image trouble ⚠). */
export function podBadge(status: string, ready?: string): Badge {
  // Running but not ready yet (a readiness probe pending) is still on its way, not fine.
  if (status === 'Running' && ready !== undefined && !allReady(ready))
    return { icon: Icon.progressing, text: status, style: 'blue' };
  const known = podStyles[status];
  if (known) return { ...known, text: status };
  if (status.startsWith('Init:')) return { icon: Icon.progressing, text: status, style: 'blue' };
  if (status.startsWith('Signal:') || status.startsWith('ExitCode:'))
    return { icon: Icon.bad, text: status, style: 'red' };
  if (status.endsWith('Error') || status.startsWith('Err'))
    return { icon: Icon.warning, text: status, style: 'yellow' };
  return { icon: ' ', text: status };
}

function allReady(ready: string): boolean {
  const [have, want] = ready.split('/');
  return have === want;
}

/** "ready:1/1" and restarts, kubectl's READY and RESTARTS columns. */
export function podReadiness(pod: V1Pod): { ready: string; restarts: number } {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers.length ?? statuses.length;
  const ready = statuses.filter((s) => s.ready).length;
  return {
    ready: `${ready}/${total}`,
    restarts: statuses.reduce((n, s) => n + s.restartCount, 0),
  };
}

const analysisStyles: Readonly<Record<string, Omit<Badge, 'text'>>> = {
  Successful: { icon: Icon.ok, style: 'green' },
  Failed: { icon: Icon.bad, style: 'red' },
  Error: { icon: Icon.warning, style: 'red' },
  Inconclusive: { icon: Icon.unknown, style: 'yellow' },
  Running: { icon: Icon.progressing, style: 'blue' },
  Pending: { icon: Icon.progressing, style: 'blue' },
};

/** The badge of an AnalysisRun (or Job) phase. */
export function analysisBadge(phase: string): Badge {
  return { icon: Icon.unknown, ...analysisStyles[phase], text: phase };
}

/** Measurement counts of a run, summed over its metrics as Argo's tree shows them. */
export interface MeasurementCounts {
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly error: number;
}

/** Successful, failed, inconclusive and errored measurements of a run. */
export function measurementCounts(run: AnalysisRun): MeasurementCounts {
  const sum = (key: keyof MeasurementCounts): number =>
    (run.status?.metricResults ?? []).reduce((n, m) => n + (m[key] ?? 0), 0);
  return {
    successful: sum('successful'),
    failed: sum('failed'),
    inconclusive: sum('inconclusive'),
    error: sum('error'),
  };
}

/** Why the rollout started a run, from Argo's labels: "background", "step 2", "pre-promotion". */
export function analysisKind(run: AnalysisRun): string | undefined {
  const labels = run.metadata.labels ?? {};
  const type = labels['rollout-type'];
  if (type === 'Step') return `step ${labels['step-index'] ?? '?'}`;
  if (type === 'PrePromotion') return 'pre-promotion';
  if (type === 'PostPromotion') return 'post-promotion';
  return type?.toLowerCase();
}

/** A Job's phase in analysis terms: Successful, Failed, Running or Pending. */
export function jobPhase(job: V1Job): string {
  const status = job.status ?? {};
  const finished = (type: string): boolean =>
    (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  if (finished('Complete') || (status.succeeded ?? 0) > 0) return 'Successful';
  if (finished('Failed')) return 'Failed';
  return (status.active ?? 0) > 0 ? 'Running' : 'Pending';
}
