// One reconcile pass of a canary Rollout, decided purely: from what was observed (the Rollout,
// its ReplicaSets, the weight the router reports) to the status to write, the actions to take and
// when to look again. The step machine decides progression; this file turns its state into
// replica counts, a traffic weight, Service selectors, conditions and a phase.
import { ConditionType, PauseReason, Reason } from '../api/conditions.js';
import type { CanaryStep, Rollout, RolloutStatus } from '../api/rollout.js';
import {
  decideCanary,
  pauseMs,
  type CanaryDecision,
  type CanaryObservation,
  type CanaryState,
  type CanaryStatusFacts,
} from '../machines/canary.js';
import { podTemplateHash, templateCovers } from './hash.js';
import {
  managedRouteNames,
  routesAt,
  routesInPlace,
  type ManagedRoute,
  type RouteHost,
} from './managed-routes.js';
import { nextReplicas, surgeCount, targetReplicas, unavailableCount } from './replicas.js';
import { statusFor, type StatusInput } from './rollout-status.js';
import { canaryScaleAt, weightAt } from './steps.js';
import { invalidSpecMessage, validateRolloutSpec } from './validate-rollout.js';

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
  | { kind: 'event'; type: 'Normal' | 'Warning'; reason: string; message: string };

/** The decision of a pass. */
export interface RolloutPlan {
  readonly status: RolloutStatus;
  readonly actions: readonly RolloutAction[];
  /** Look again after this long even if nothing changes (pause end, delays). */
  readonly requeueAfterMs?: number | undefined;
}

/** Old ReplicaSets kept for rollback when spec.revisionHistoryLimit is not set (Argo's default). */
const defaultRevisionHistoryLimit = 10;

/** Default seconds before the old ReplicaSet goes away after a routed canary completes. */
const defaultScaleDownDelaySeconds = 30;
/** How often to look at a rollout that waits on pods, in case an event is missed. */
const waitingRequeueMs = 30_000;
/** Routing objects other than Ingresses are not watched: read back a write this soon. */
const routingVerifyMs = 500;

/** Decides one pass for a canary Rollout. */
export function planCanary(facts: RolloutFacts): RolloutPlan {
  const { rollout } = facts;
  const errors = validateRolloutSpec(rollout.spec);
  if (errors.length > 0)
    return invalidPlan(facts, invalidSpecMessage(rollout.metadata.name, errors));
  const ctx = planContext(facts);
  const result = ctx.stableHash === ctx.podHash ? planSteady(ctx) : planUpdate(ctx);
  return ctx.existing ? result : { ...result, actions: [createAction(ctx), ...result.actions] };
}

function planContext(facts: RolloutFacts): PlanContext {
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

interface PlanContext {
  readonly facts: RolloutFacts;
  readonly podHash: string;
  readonly stableHash: string;
  readonly existing: ReplicaSetFacts | undefined;
  readonly replicas: number;
}

function steps(ctx: PlanContext): readonly CanaryStep[] {
  return ctx.facts.rollout.spec.strategy?.canary?.steps ?? [];
}

function createAction(ctx: PlanContext): RolloutAction {
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

function side(rs: ReplicaSetFacts | undefined): { spec: number; available: number } {
  return { spec: rs?.specReplicas ?? 0, available: rs?.availableReplicas ?? 0 };
}

function byHash(ctx: PlanContext, hash: string): ReplicaSetFacts | undefined {
  return ctx.facts.replicaSets.find((rs) => rs.podHash === hash);
}

/** No update in progress: the stable ReplicaSet at full size, every other one scaled away. */
function planSteady(ctx: PlanContext): RolloutPlan {
  const { facts } = ctx;
  const actions: RolloutAction[] = [];
  const stable = byHash(ctx, ctx.stableHash);
  if (stable && stable.specReplicas !== ctx.replicas) {
    actions.push({ kind: 'scaleReplicaSet', name: stable.name, replicas: ctx.replicas });
  }
  actions.push(...serviceActions(ctx, ctx.stableHash, ctx.stableHash));
  if (facts.routed) actions.push(...weightActions(ctx, 0, ctx.stableHash, []));
  const scaleDown = scaleDownOld(ctx, [ctx.stableHash]);
  actions.push(...scaleDown.actions, ...pruneHistory(ctx, [ctx.stableHash]));
  const statusInput: StatusInput = {
    facts,
    podHash: ctx.podHash,
    stableHash: ctx.stableHash,
    state: 'completed',
    stepIndex: steps(ctx).length,
    pauseStartedAt: undefined,
    weight: 0,
  };
  return { status: statusFor(statusInput), actions, requeueAfterMs: scaleDown.requeueAfterMs };
}

/** An update in progress: run the step machine and bring replicas and weight to its state. */
function planUpdate(ctx: PlanContext): RolloutPlan {
  const facts = machineFacts(ctx);
  const before = stateWeight(
    ctx,
    facts.abortHandled ? 'aborted' : 'stepping',
    facts.currentStepIndex,
  );
  const beforeRoutes = facts.abortHandled
    ? []
    : stateRoutes(ctx, 'stepping', facts.currentStepIndex);
  const decision = decideCanary(
    facts,
    observation(ctx, stepReady(ctx, before, facts.currentStepIndex, beforeRoutes)),
  );
  if (decision.state === 'completed') return planCompleted(ctx, decision);
  return planProgress(ctx, decision);
}

/** Whether this pass starts a new revision (template changed since status was written). */
function isNewRevision(ctx: PlanContext): boolean {
  return ctx.facts.rollout.status?.currentPodHash !== ctx.podHash;
}

/** The status facts the machine is restored from; a new revision starts from step 0. */
function machineFacts(ctx: PlanContext): CanaryStatusFacts {
  const status = ctx.facts.rollout.status ?? {};
  const fresh = isNewRevision(ctx);
  return {
    steps: steps(ctx),
    currentStepIndex: fresh ? 0 : (status.currentStepIndex ?? 0),
    pauseConditions: fresh ? [] : (status.pauseConditions ?? []),
    abortHandled: !fresh && status.abortedAt !== undefined,
    controllerPause: !fresh && status.controllerPause === true,
  };
}

function observation(ctx: PlanContext, ready: boolean): CanaryObservation {
  const status = ctx.facts.rollout.status ?? {};
  const fresh = isNewRevision(ctx);
  return {
    now: ctx.facts.now,
    stepReady: ready,
    abort: !fresh && status.abort === true,
    paused: ctx.facts.rollout.spec.paused === true,
    promoteFull: !fresh && status.promoteFull === true,
    pauseConditionPresent: (fresh ? [] : (status.pauseConditions ?? [])).some(
      (p) => p.reason === PauseReason.CanaryPauseStep,
    ),
  };
}

/** The canary weight a state stands for. */
function stateWeight(ctx: PlanContext, state: CanaryState, stepIndex: number): number {
  if (state === 'aborted') return 0;
  if (state === 'completing' || state === 'completed' || stepIndex >= steps(ctx).length) return 100;
  return weightAt(steps(ctx), stepIndex);
}

function targets(
  ctx: PlanContext,
  weight: number,
  stepIndex: number,
): { canary: number; stable: number } {
  return targetReplicas({
    replicas: ctx.replicas,
    weight,
    trafficRouted: ctx.facts.routed,
    canaryScale: weight >= 100 ? undefined : canaryScaleAt(steps(ctx), stepIndex),
  });
}

/** The managed header and mirror routes a state stands for: none once the steps are over. */
function stateRoutes(ctx: PlanContext, state: CanaryState, stepIndex: number): ManagedRoute[] {
  if (state !== 'stepping' && state !== 'pausedAtStep') return [];
  if (stepIndex >= steps(ctx).length) return [];
  return routesAt(steps(ctx), stepIndex, managedRouteNames(ctx.facts.rollout));
}

/** The current step's replicas, weight and routes are in place. */
function stepReady(
  ctx: PlanContext,
  weight: number,
  stepIndex: number,
  routes: readonly ManagedRoute[],
): boolean {
  const target = targets(ctx, weight, stepIndex);
  return (
    canaryAt(byHash(ctx, ctx.podHash), target.canary) &&
    stableAt(ctx, target.stable) &&
    weightIn(ctx, weight) &&
    routesIn(ctx, routes, weight)
  );
}

function routesIn(ctx: PlanContext, routes: readonly ManagedRoute[], weight: number): boolean {
  return (ctx.facts.routeHosts ?? []).every((host) =>
    routesInPlace(host, ctx.facts.rollout, routes, weight),
  );
}

function canaryAt(canary: ReplicaSetFacts | undefined, want: number): boolean {
  if (!canary?.observed) return false;
  return canary.specReplicas === want && canary.availableReplicas >= want;
}

function stableAt(ctx: PlanContext, want: number): boolean {
  const stable = byHash(ctx, ctx.stableHash);
  // With a router the stable side keeps its size; only the weight moves.
  return ctx.facts.routed || !stable || stable.specReplicas === want;
}

function weightIn(ctx: PlanContext, weight: number): boolean {
  return !ctx.facts.routed || ctx.facts.actualWeight === weight;
}

function planProgress(ctx: PlanContext, decision: CanaryDecision): RolloutPlan {
  const weight = stateWeight(ctx, decision.state, decision.context.stepIndex);
  const aborted =
    decision.state === 'aborted' && ctx.facts.routed ? abortedScaleActions(ctx) : undefined;
  const actions: RolloutAction[] =
    aborted?.actions ?? scaleActions(ctx, weight, decision.context.stepIndex);
  const routes = stateRoutes(ctx, decision.state, decision.context.stepIndex);
  if (ctx.facts.routed) actions.push(...weightActions(ctx, weight, ctx.podHash, routes));
  actions.push(...serviceActions(ctx, ctx.podHash, ctx.stableHash));
  actions.push(...emitEvents(ctx, decision));
  const scaleDown = scaleDownOld(ctx, [ctx.stableHash, ctx.podHash]);
  actions.push(...scaleDown.actions);
  const computed = statusFor({
    facts: ctx.facts,
    podHash: ctx.podHash,
    stableHash: ctx.stableHash,
    state: decision.state,
    stepIndex: decision.context.stepIndex,
    pauseStartedAt: decision.context.pauseStartedAt,
    weight,
  });
  const deadline = deadlineOutcome(ctx, computed);
  actions.push(...deadline.actions);
  const status = deadline.status;
  const routingWrite = actions.some((a) => a.kind === 'setWeight') ? routingVerifyMs : undefined;
  return {
    status,
    actions,
    requeueAfterMs: requeueFor(ctx, decision, [
      scaleDown.requeueAfterMs,
      aborted?.requeueAfterMs,
      routingWrite,
    ]),
  };
}

/** The soonest of the pass's own waits (delays, read-backs) and what its state waits for. */
function requeueFor(
  ctx: PlanContext,
  decision: CanaryDecision,
  waits: readonly (number | undefined)[],
): number | undefined {
  const candidates = waits.map((w) => w ?? Infinity);
  if (decision.emits.some((e) => e.type === 'stepCompleted' || e.type === 'retried'))
    candidates.push(0);
  if (decision.state === 'pausedAtStep') {
    const ms = pauseMs(decision.context);
    const started = decision.context.pauseStartedAt;
    if (ms !== undefined && started !== undefined)
      candidates.push(Math.max(0, started + ms - ctx.facts.now));
  } else if (decision.state !== 'aborted') {
    // Waiting on pods: ReplicaSet events wake the rollout; this is only a safety net.
    candidates.push(waitingRequeueMs);
  }
  const next = Math.min(...candidates);
  return Number.isFinite(next) ? next : undefined;
}

function scaleActions(ctx: PlanContext, weight: number, stepIndex: number): RolloutAction[] {
  const target = targets(ctx, weight, stepIndex);
  const canary = byHash(ctx, ctx.podHash);
  const stable = byHash(ctx, ctx.stableHash);
  const next = ctx.facts.routed ? target : rollingNext(ctx, target, canary, stable);
  const actions: RolloutAction[] = [];
  if (canary && (canary.specReplicas !== next.canary || canary.scaleDownDeadline !== undefined)) {
    // Scaling the canary (back) up clears a pending scale-down from an earlier abort.
    actions.push({
      kind: 'scaleReplicaSet',
      name: canary.name,
      replicas: next.canary,
      scaleDownDeadline: null,
    });
  }
  if (stable && stable.specReplicas !== next.stable) {
    actions.push({ kind: 'scaleReplicaSet', name: stable.name, replicas: next.stable });
  }
  return actions;
}

function rollingNext(
  ctx: PlanContext,
  target: { canary: number; stable: number },
  canary: ReplicaSetFacts | undefined,
  stable: ReplicaSetFacts | undefined,
): { canary: number; stable: number } {
  const spec = ctx.facts.rollout.spec.strategy?.canary;
  return nextReplicas({
    replicas: ctx.replicas,
    maxSurge: surgeCount(spec?.maxSurge, ctx.replicas),
    maxUnavailable: unavailableCount(spec?.maxUnavailable, ctx.replicas),
    canary: side(canary),
    stable: side(stable),
    target,
  });
}

/**
 * After an abort with a router, traffic leaves the canary at once but its pods stay for
 * abortScaleDownDelaySeconds (default 30; 0 keeps them), so a retry or a look at them is cheap.
 */
function abortedScaleActions(ctx: PlanContext): {
  actions: RolloutAction[];
  requeueAfterMs?: number;
} {
  const stable = byHash(ctx, ctx.stableHash);
  const restore: RolloutAction[] =
    stable && stable.specReplicas !== ctx.replicas
      ? [{ kind: 'scaleReplicaSet', name: stable.name, replicas: ctx.replicas }]
      : [];
  const step = abortedCanaryStep(ctx);
  const actions = step.action ? [...restore, step.action] : restore;
  return step.waitMs === undefined ? { actions } : { actions, requeueAfterMs: step.waitMs };
}

function abortedCanaryStep(ctx: PlanContext): { action?: RolloutAction; waitMs?: number } {
  const canary = byHash(ctx, ctx.podHash);
  const seconds =
    ctx.facts.rollout.spec.strategy?.canary?.abortScaleDownDelaySeconds ??
    defaultScaleDownDelaySeconds;
  if (!canary || canary.specReplicas === 0 || seconds === 0) return {};
  return scaleDownStep(canary, seconds * 1000, ctx.facts.now);
}

/** The canary is fully up: it becomes stable; the old stable ReplicaSet is scaled down later. */
function planCompleted(ctx: PlanContext, decision: CanaryDecision): RolloutPlan {
  const promoted: PlanContext = { ...ctx, stableHash: ctx.podHash };
  const plan = planSteady(promoted);
  return {
    ...plan,
    actions: [...emitEvents(ctx, decision), ...plan.actions],
    requeueAfterMs: Math.min(plan.requeueAfterMs ?? Infinity, 0),
  };
}

function weightActions(
  ctx: PlanContext,
  weight: number,
  canaryHash: string,
  routes: readonly ManagedRoute[],
): RolloutAction[] {
  if (ctx.facts.actualWeight === weight && routesIn(ctx, routes, weight)) return [];
  return [{ kind: 'setWeight', weight, canaryHash, stableHash: ctx.stableHash, routes }];
}

function serviceActions(ctx: PlanContext, canaryHash: string, stableHash: string): RolloutAction[] {
  const canary = ctx.facts.rollout.spec.strategy?.canary;
  const out: RolloutAction[] = [];
  if (canary?.canaryService)
    out.push({ kind: 'setServiceSelector', service: canary.canaryService, podHash: canaryHash });
  if (canary?.stableService)
    out.push({ kind: 'setServiceSelector', service: canary.stableService, podHash: stableHash });
  return out;
}

/**
 * Old ReplicaSets (neither stable nor canary) are scaled to zero: at once without a router, after
 * scaleDownDelaySeconds with one (traffic may still be draining to them). The deadline is written
 * on the ReplicaSet so a restarted controller keeps it.
 */
function scaleDownOld(
  ctx: PlanContext,
  keep: readonly string[],
): { actions: RolloutAction[]; requeueAfterMs?: number } {
  const delayMs = scaleDownDelayMs(ctx);
  const actions: RolloutAction[] = [];
  let requeueAfterMs = Infinity;
  // Newest first: scaleDownDelayRevisionLimit keeps only that many old ReplicaSets waiting out
  // the delay; older ones go at once.
  const running = ctx.facts.replicaSets
    .filter((rs) => !keep.includes(rs.podHash) && rs.specReplicas > 0)
    .sort((a, b) => b.revision - a.revision);
  const limit = ctx.facts.rollout.spec.strategy?.canary?.scaleDownDelayRevisionLimit ?? Infinity;
  running.forEach((rs, i) => {
    const step = scaleDownStep(rs, i < limit ? delayMs : 0, ctx.facts.now);
    if (step.action) actions.push(step.action);
    requeueAfterMs = Math.min(requeueAfterMs, step.waitMs ?? Infinity);
  });
  return Number.isFinite(requeueAfterMs) ? { actions, requeueAfterMs } : { actions };
}

function scaleDownDelayMs(ctx: PlanContext): number {
  if (!ctx.facts.routed) return 0;
  const seconds = ctx.facts.rollout.spec.strategy?.canary?.scaleDownDelaySeconds;
  return (seconds ?? defaultScaleDownDelaySeconds) * 1000;
}

/** What to do with one old ReplicaSet now, and how long until it needs looking at again. */
function scaleDownStep(
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
function pruneHistory(ctx: PlanContext, keep: readonly string[]): RolloutAction[] {
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
function deadlineOutcome(
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

function emitEvents(ctx: PlanContext, decision: CanaryDecision): RolloutAction[] {
  const revision = byHash(ctx, ctx.podHash)?.revision ?? 0;
  return decision.emits.map((emit): RolloutAction => {
    switch (emit.type) {
      case 'stepCompleted':
        return event(
          'Normal',
          Reason.RolloutStepCompleted,
          `Rollout step ${emit.params.step}/${emit.params.of} completed`,
        );
      case 'paused':
        return event('Normal', Reason.RolloutPaused, 'Rollout is paused (CanaryPauseStep)');
      case 'resumed':
        return event('Normal', Reason.RolloutResumed, 'Rollout is resumed');
      case 'aborted':
        return event(
          'Warning',
          Reason.RolloutAborted,
          `Rollout aborted update to revision ${revision}`,
        );
      case 'retried':
        return event('Normal', Reason.RolloutRetry, 'Retrying Rollout after abort');
      case 'completed':
        return event(
          'Normal',
          Reason.RolloutCompleted,
          `Rollout completed update to revision ${revision} (${ctx.podHash})`,
        );
    }
  });
}

function event(type: 'Normal' | 'Warning', reason: string, message: string): RolloutAction {
  return { kind: 'event', type, reason, message };
}

/** An invalid spec: nothing is changed; the problem goes into status and a Warning Event. */
function invalidPlan(facts: RolloutFacts, message: string): RolloutPlan {
  const status = statusFor({ facts, invalidMessage: message });
  const previous = facts.rollout.status?.conditions?.find((c) => c.type === 'InvalidSpec');
  const actions: RolloutAction[] =
    previous?.message === message ? [] : [event('Warning', Reason.InvalidSpec, message)];
  return { status, actions };
}
