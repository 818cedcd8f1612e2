// What every strategy's pass shares: the facts observed, the actions a plan may ask for, and the
// ReplicaSet bookkeeping both canary and blue-green do the same way (which ReplicaSet is the
// current one, creating it, scaling old ones down after a delay, pruning history, the progress
// deadline, invalid specs).
import { ConditionType, Reason } from '../api/conditions.js';
import type { Rollout, RolloutStatus } from '../api/rollout.js';
import { podTemplateHash, templateCovers } from './hash.js';
import type { AnalysisRun, AnalysisTemplate } from '../api/analysis.js';
import type { AnalysisVerdict } from '../machines/bluegreen.js';
import type { RunFacts } from './analysis/rollout-analysis.js';
import type { ManagedRoute, RouteHost } from './managed-routes.js';
import { statusFor } from './rollout-status.js';

/** A ReplicaSet owned by the Rollout, as observed. */
export interface ReplicaSetFacts {
  readonly name: string;
  readonly podHash: string;
  readonly revision: number;
  readonly template: Record<string, unknown>;
  readonly specReplicas: number;
  readonly replicas: number;
  readonly readyReplicas: number;
  readonly availableReplicas: number;
  /** The ReplicaSet controller has seen its latest spec (status.observedGeneration == generation). */
  readonly observed: boolean;
  /** scale-down-deadline annotation, ms. */
  readonly scaleDownDeadline?: number | undefined;
}

/** Everything one pass needs to know. */
export interface RolloutFacts {
  readonly rollout: Rollout;
  readonly replicaSets: readonly ReplicaSetFacts[];
  readonly now: number;
  /** A traffic router is configured. */
  readonly routed: boolean;
  /** The canary weight the router reports now (undefined without a router). */
  readonly actualWeight?: number | undefined;
  /** The routing objects that carry managed header and mirror routes, as read now. */
  readonly routeHosts?: readonly RouteHost[] | undefined;
  /** The Services the strategy names, as cached (absent key: not found). */
  readonly services?: Readonly<Record<string, ServiceFacts>> | undefined;
  /** Outcomes of the analysis gates, when given directly (unit tests of the strategies). */
  readonly analysis?: AnalysisFacts | undefined;
  /** The Rollout's AnalysisRuns, as cached. */
  readonly runs?: readonly RunFacts[] | undefined;
  /** Looks up an AnalysisTemplate (or with clusterScope a ClusterAnalysisTemplate). */
  readonly template?:
    ((name: string, clusterScope: boolean) => AnalysisTemplate | undefined) | undefined;
}

/** A Service the Rollout steers, as observed. */
export interface ServiceFacts {
  /** The rollouts-pod-template-hash its selector holds, if any. */
  readonly selectorHash?: string | undefined;
  /** The managed-by-rollouts annotation: the Rollout that steers it. */
  readonly managedBy?: string | undefined;
}

/** Where each analysis gate stands: absent when no analysis is configured for it. */
export interface AnalysisFacts {
  readonly prePromotion?: AnalysisVerdict | undefined;
  readonly postPromotion?: AnalysisVerdict | undefined;
}

/** Something the controller must do to make the world match the decision. */
export type RolloutAction =
  | {
      kind: 'createReplicaSet';
      name: string;
      podHash: string;
      template: Record<string, unknown>;
      replicas: number;
      revision: number;
    }
  | { kind: 'scaleReplicaSet'; name: string; replicas: number; scaleDownDeadline?: string | null }
  | { kind: 'setRevision'; name: string; revision: number }
  | { kind: 'deleteReplicaSet'; name: string }
  | { kind: 'scaleWorkload'; name: string; replicas: number }
  | { kind: 'deletePod'; name: string }
  | {
      kind: 'setWeight';
      weight: number;
      canaryHash: string;
      stableHash: string;
      routes: readonly ManagedRoute[];
    }
  | { kind: 'setServiceSelector'; service: string; podHash: string }
  | { kind: 'event'; type: 'Normal' | 'Warning'; reason: string; message: string }
  | { kind: 'createAnalysisRun'; run: AnalysisRun }
  | { kind: 'terminateAnalysisRun'; name: string }
  | { kind: 'deleteAnalysisRun'; name: string };

/** The decision of a pass. */
export interface RolloutPlan {
  readonly status: RolloutStatus;
  readonly actions: readonly RolloutAction[];
  /** Look again after this long even if nothing changes (pause end, delays). */
  readonly requeueAfterMs?: number | undefined;
}

/** Old ReplicaSets kept for rollback when spec.revisionHistoryLimit is not set (Argo's default). */
export const defaultRevisionHistoryLimit = 10;

/** Default seconds before the old ReplicaSet goes away after a routed canary completes. */
export const defaultScaleDownDelaySeconds = 30;
/** How often to look at a rollout that waits on pods, in case an event is missed. */
export const waitingRequeueMs = 30_000;
/** Routing objects other than Ingresses are not watched: read back a write this soon. */
export const routingVerifyMs = 500;

/** The hashes and ReplicaSets one pass works with. */
export function planContext(facts: RolloutFacts): PlanContext {
  const { rollout } = facts;
  const template = rollout.spec.template ?? {};
  const hash = podTemplateHash(template, rollout.status?.collisionCount ?? 0);
  const existing =
    facts.replicaSets.find((rs) => rs.podHash === hash) ??
    facts.replicaSets.find((rs) => templateCovers(rs.template, template));
  const podHash = existing?.podHash ?? hash;
  const stableHash = rollout.status?.stableRS ?? podHash;
  return { facts, podHash, stableHash, existing, replicas: rollout.spec.replicas ?? 1 };
}

/** A pass's working set: facts, the current template's hash, the stable hash, its ReplicaSet. */
export interface PlanContext {
  readonly facts: RolloutFacts;
  readonly podHash: string;
  readonly stableHash: string;
  readonly existing: ReplicaSetFacts | undefined;
  readonly replicas: number;
}

/** Creates the current template's ReplicaSet: full size on the first deploy, else empty. */
export function createAction(ctx: PlanContext): RolloutAction {
  const { rollout } = ctx.facts;
  const revision = Math.max(0, ...ctx.facts.replicaSets.map((rs) => rs.revision)) + 1;
  const firstDeploy = !rollout.status?.stableRS;
  return {
    kind: 'createReplicaSet',
    name: `${rollout.metadata.name}-${ctx.podHash}`,
    podHash: ctx.podHash,
    template: rollout.spec.template ?? {},
    // The first revision has nothing to canary against: it starts at full size.
    replicas: firstDeploy ? ctx.replicas : 0,
    revision,
  };
}

/**
 * The current template's ReplicaSet: created when missing; an older one brought back (undo, or a
 * template changed back) takes the next revision number, as Argo does, so `undo` and the
 * revision history keep counting forward.
 */
export function newRevisionActions(ctx: PlanContext): RolloutAction[] {
  const newest = Math.max(0, ...ctx.facts.replicaSets.map((rs) => rs.revision));
  if (!ctx.existing) {
    const create = createAction(ctx);
    // The first deploy is not an update; every later new template is (Argo's RolloutUpdated).
    if (!ctx.facts.rollout.status?.stableRS) return [create];
    return [create, updatedEvent(newest + 1)];
  }
  if (ctx.podHash === ctx.stableHash || ctx.existing.revision >= newest) return [];
  return [
    { kind: 'setRevision', name: ctx.existing.name, revision: newest + 1 },
    updatedEvent(newest + 1),
  ];
}

function updatedEvent(revision: number): RolloutAction {
  return event('Normal', Reason.RolloutUpdated, `Rollout updated to revision ${revision}`);
}

/** A ReplicaSet's desired and available counts (zero when it does not exist). */
export function side(rs: ReplicaSetFacts | undefined): { spec: number; available: number } {
  return { spec: rs?.specReplicas ?? 0, available: rs?.availableReplicas ?? 0 };
}

/** The ReplicaSet of a pod template hash. */
export function byHash(ctx: PlanContext, hash: string): ReplicaSetFacts | undefined {
  return ctx.facts.replicaSets.find((rs) => rs.podHash === hash);
}

/** Whether this pass starts a new revision (template changed since status was written). */
export function isNewRevision(ctx: PlanContext): boolean {
  return ctx.facts.rollout.status?.currentPodHash !== ctx.podHash;
}

/**
 * Old ReplicaSets (neither stable nor canary) are scaled to zero: at once without a router, after
 * scaleDownDelaySeconds with one (traffic may still be draining to them). The deadline is written
 * on the ReplicaSet so a restarted controller keeps it.
 */
export function scaleDownOld(
  ctx: PlanContext,
  keep: readonly string[],
  delayMs: number,
  revisionLimit: number | undefined,
): { actions: RolloutAction[]; requeueAfterMs?: number } {
  const actions: RolloutAction[] = [];
  let requeueAfterMs = Infinity;
  // Newest first: scaleDownDelayRevisionLimit keeps only that many old ReplicaSets waiting out
  // the delay; older ones go at once.
  const running = ctx.facts.replicaSets
    .filter((rs) => !keep.includes(rs.podHash) && rs.specReplicas > 0)
    .sort((a, b) => b.revision - a.revision);
  const limit = revisionLimit ?? Infinity;
  running.forEach((rs, i) => {
    const step = scaleDownStep(rs, i < limit ? delayMs : 0, ctx.facts.now);
    if (step.action) actions.push(step.action);
    requeueAfterMs = Math.min(requeueAfterMs, step.waitMs ?? Infinity);
  });
  return Number.isFinite(requeueAfterMs) ? { actions, requeueAfterMs } : { actions };
}

/** What to do with one old ReplicaSet now, and how long until it needs looking at again. */
export function scaleDownStep(
  rs: ReplicaSetFacts,
  delayMs: number,
  now: number,
): { action?: RolloutAction; waitMs?: number } {
  const zero: RolloutAction = {
    kind: 'scaleReplicaSet',
    name: rs.name,
    replicas: 0,
    scaleDownDeadline: null,
  };
  if (delayMs === 0) return { action: zero };
  if (rs.scaleDownDeadline === undefined) {
    const deadline = new Date(now + delayMs).toISOString();
    return {
      action: {
        kind: 'scaleReplicaSet',
        name: rs.name,
        replicas: rs.specReplicas,
        scaleDownDeadline: deadline,
      },
      waitMs: delayMs,
    };
  }
  if (rs.scaleDownDeadline <= now) return { action: zero };
  return { waitMs: rs.scaleDownDeadline - now };
}

/**
 * Deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit; the newer ones stay for
 * `undo`. Only ReplicaSets with no pods left are touched.
 */
export function pruneHistory(ctx: PlanContext, keep: readonly string[]): RolloutAction[] {
  const limit = ctx.facts.rollout.spec.revisionHistoryLimit ?? defaultRevisionHistoryLimit;
  const old = ctx.facts.replicaSets
    .filter((rs) => !keep.includes(rs.podHash) && rs.specReplicas === 0 && rs.replicas === 0)
    .sort((a, b) => b.revision - a.revision);
  return old.slice(limit).map((rs): RolloutAction => ({ kind: 'deleteReplicaSet', name: rs.name }));
}

/**
 * When the progress deadline passes: a Warning Event once, and with progressDeadlineAbort the
 * rollout aborts (status.abort, as if a person had aborted it).
 */
export function deadlineOutcome(
  ctx: PlanContext,
  status: RolloutStatus,
): { status: RolloutStatus; actions: RolloutAction[] } {
  const reasonOf = (s: RolloutStatus | undefined) =>
    s?.conditions?.find((c) => c.type === ConditionType.Progressing)?.reason;
  if (reasonOf(status) !== Reason.ProgressDeadlineExceeded) return { status, actions: [] };
  const condition = status.conditions?.find((c) => c.type === ConditionType.Progressing);
  const first = reasonOf(ctx.facts.rollout.status) !== Reason.ProgressDeadlineExceeded;
  const actions = first
    ? [event('Warning', Reason.ProgressDeadlineExceeded, condition?.message ?? '')]
    : [];
  return {
    status: ctx.facts.rollout.spec.progressDeadlineAbort ? { ...status, abort: true } : status,
    actions,
  };
}

export function event(type: 'Normal' | 'Warning', reason: string, message: string): RolloutAction {
  return { kind: 'event', type, reason, message };
}

/** An invalid spec: nothing is changed; the problem goes into status and a Warning Event. */
export function invalidPlan(facts: RolloutFacts, message: string): RolloutPlan {
  const status = statusFor({ facts, invalidMessage: message });
  const previous = facts.rollout.status?.conditions?.find((c) => c.type === 'InvalidSpec');
  const actions: RolloutAction[] =
    previous?.message === message ? [] : [event('Warning', Reason.InvalidSpec, message)];
  return { status, actions };
}

/**
 * Something outside the spec blocks the update (a Service or template missing): reported like an
 * invalid spec, but the update's progress in status is kept so it resumes where it was once fixed.
 */
export function blockedPlan(facts: RolloutFacts, message: string): RolloutPlan {
  const plan = invalidPlan(facts, message);
  return {
    ...plan,
    status: { ...(facts.rollout.status ?? {}), ...plan.status },
    requeueAfterMs: waitingRequeueMs,
  };
}

/** Annotation Argo writes on the Services a Rollout steers (and reads to refuse sharing them). */
export const managedByAnnotation = 'argo-rollouts.argoproj.io/managed-by-rollouts';

/**
 * A Service the strategy names that is missing or steered by another Rollout, as a field error
 * message; undefined when all are usable. Pointing one Service at two Rollouts' pods would send
 * one app's traffic to the other.
 */
export function serviceProblem(
  ctx: PlanContext,
  refs: readonly (readonly [field: string, name: string | undefined])[],
): string | undefined {
  const services = ctx.facts.services;
  if (!services) return undefined;
  const own = ctx.facts.rollout.metadata.name;
  for (const [field, name] of refs) {
    if (!name) continue;
    const svc = services[name];
    if (!svc) return `${field}: Service "${name}" not found`;
    if (svc.managedBy && svc.managedBy !== own)
      return `${field}: Service "${name}" is managed by another Rollout ("${svc.managedBy}")`;
  }
  return undefined;
}

/** The message of the newest failed run of this revision (why an abort happened). */
export function failedRunMessage(ctx: PlanContext): string | undefined {
  return [...(ctx.facts.runs ?? [])]
    .filter(
      (r) =>
        r.podHash === ctx.podHash && (r.phase === 'Failed' || r.phase === 'Error') && r.message,
    )
    .sort((a, b) => b.created - a.created)[0]?.message;
}

/** The lifecycle events both strategies emit, with Argo's reasons and messages. */
export type LifecycleEmit =
  'paused' | 'resumed' | 'aborted' | 'analysisFailed' | 'retried' | 'completed';

/** The Event for a lifecycle step; `pauseReason` names the pause (CanaryPauseStep, BlueGreenPause). */
export function lifecycleEvent(
  ctx: PlanContext,
  emit: LifecycleEmit,
  pauseReason: string,
): RolloutAction {
  const revision = byHash(ctx, ctx.podHash)?.revision ?? 0;
  const events: Record<LifecycleEmit, () => RolloutAction> = {
    paused: () => event('Normal', Reason.RolloutPaused, `Rollout is paused (${pauseReason})`),
    resumed: () => event('Normal', Reason.RolloutResumed, 'Rollout is resumed'),
    aborted: () =>
      event('Warning', Reason.RolloutAborted, `Rollout aborted update to revision ${revision}`),
    analysisFailed: () =>
      event(
        'Warning',
        Reason.AnalysisRunFailed,
        `Analysis failed: ${failedRunMessage(ctx) ?? 'a metric failed'}`,
      ),
    retried: () => event('Normal', Reason.RolloutRetry, 'Retrying Rollout after abort'),
    completed: () =>
      event(
        'Normal',
        Reason.RolloutCompleted,
        `Rollout completed update to revision ${revision} (${ctx.podHash})`,
      ),
  };
  return events[emit]();
}

/** How soon to look again after creating or stopping an AnalysisRun (to read it back). */
const analysisVerifyMs = 500;

/** A plan with the analysis gates' run actions first, looking again soon when there are any. */
export function withRunActions(
  plan: RolloutPlan,
  runActions: readonly RolloutAction[],
): RolloutPlan {
  if (runActions.length === 0) return plan;
  return {
    ...plan,
    actions: [...runActions, ...plan.actions],
    requeueAfterMs: Math.min(plan.requeueAfterMs ?? analysisVerifyMs, analysisVerifyMs),
  };
}
