// One reconcile pass of a canary Rollout, decided purely: from what was observed (the Rollout,
// its ReplicaSets, the weight the router reports) to the status to write, the actions to take and
// when to look again. The step machine decides progression; this file turns its state into
// replica counts, a traffic weight, Service selectors, conditions and a phase.
import { InvalidSpecMessage, PauseReason, Reason } from '../api/conditions.js';
import type { CanaryStep, RolloutStatus } from '../api/rollout.js';
import {
  canaryGateResults,
  canaryGates,
  failedRunMessage,
  gateVerdicts,
  idleRunActions,
  pauseReasonOf,
} from './canary-analysis.js';
import {
  decideCanary,
  pauseMs,
  type CanaryDecision,
  type CanaryObservation,
  type CanaryState,
  type CanaryStatusFacts,
} from '../machines/canary.js';
import { managedRouteNames, routesAt, routesInPlace, type ManagedRoute } from './managed-routes.js';
import {
  byHash,
  newRevisionActions,
  deadlineOutcome,
  defaultScaleDownDelaySeconds,
  event,
  blockedPlan,
  isNewRevision,
  lifecycleEvent,
  withRunActions,
  planContext,
  pruneHistory,
  scaleDownOld,
  scaleDownStep,
  serviceProblem,
  side,
  waitingRequeueMs,
  routingVerifyMs,
  type PlanContext,
  type ReplicaSetFacts,
  type RolloutAction,
  type RolloutFacts,
  type RolloutPlan,
} from './plan-common.js';
import { nextReplicas, surgeCount, targetReplicas, unavailableCount } from './replicas.js';
import { canaryStatus, statusFor, type Stage, type StatusInput } from './rollout-status.js';
import { canaryScaleAt, weightAt } from './steps.js';

/** Decides one pass for a canary Rollout whose spec is valid. */
export function planCanary(facts: RolloutFacts): RolloutPlan {
  const ctx = planContext(facts);
  const canary = facts.rollout.spec.strategy?.canary;
  const problem = serviceProblem(ctx, [
    ['spec.strategy.canary.canaryService', canary?.canaryService],
    ['spec.strategy.canary.stableService', canary?.stableService],
  ]);
  if (problem)
    return blockedPlan(facts, InvalidSpecMessage.invalid(facts.rollout.metadata.name, problem));
  const result = ctx.stableHash === ctx.podHash ? planSteady(ctx) : planUpdate(ctx);
  return { ...result, actions: [...newRevisionActions(ctx), ...result.actions] };
}

function steps(ctx: PlanContext): readonly CanaryStep[] {
  return ctx.facts.rollout.spec.strategy?.canary?.steps ?? [];
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
  const scaleDown = scaleDownOld(ctx, [ctx.stableHash], scaleDownDelayMs(ctx), revisionLimit(ctx));
  actions.push(
    ...scaleDown.actions,
    ...pruneHistory(ctx, [ctx.stableHash]),
    ...idleRunActions(ctx),
  );
  const statusInput: StatusInput = {
    facts,
    podHash: ctx.podHash,
    stableHash: ctx.stableHash,
    stage: 'completed',
    stepIndex: steps(ctx).length,
    strategyStatus: canaryStatus(facts, ctx, steps(ctx).length, 0),
  };
  return { status: statusFor(statusInput), actions, requeueAfterMs: scaleDown.requeueAfterMs };
}

/** An update in progress: run the step machine and bring replicas and weight to its state. */
function planUpdate(ctx: PlanContext): RolloutPlan {
  const facts = machineFacts(ctx);
  const index = facts.currentStepIndex;
  const before = stateWeight(ctx, facts.abortHandled ? 'aborted' : 'stepping', index);
  const beforeRoutes = facts.abortHandled ? [] : stateRoutes(ctx, 'stepping', index);
  const gates = canaryGates(ctx, index, facts.abortHandled);
  if (gates.error) return analysisSpecError(ctx, gates.error);
  const verdicts = gateVerdicts(gates);
  const ready =
    stepReady(ctx, before, index, beforeRoutes) &&
    (verdicts.stepAnalysis === 'none' || verdicts.stepAnalysis === 'successful');
  const decision = decideCanary(facts, { ...observation(ctx, ready), ...verdicts });
  const analysis = canaryGateResults(ctx, gates, decision, index);
  const plan =
    decision.state === 'completed'
      ? planCompleted(ctx, decision)
      : planProgress(ctx, decision, analysis.canary);
  const failed = decision.emits.some((e) => e.type === 'analysisFailed');
  return withRunActions(
    failed ? { ...plan, status: { ...plan.status, abort: true } } : plan,
    analysis.actions,
  );
}

/** A template the Rollout names is missing, or an arg has no value: reported like a bad spec. */
function analysisSpecError(ctx: PlanContext, error: string): RolloutPlan {
  return blockedPlan(
    ctx.facts,
    InvalidSpecMessage.invalid(ctx.facts.rollout.metadata.name, `analysis: ${error}`),
  );
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
      (p) =>
        p.reason === PauseReason.CanaryPauseStep ||
        p.reason === PauseReason.InconclusiveAnalysisRun,
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

function planProgress(
  ctx: PlanContext,
  decision: CanaryDecision,
  analysisStatus: RolloutStatus['canary'] = {},
): RolloutPlan {
  const weight = stateWeight(ctx, decision.state, decision.context.stepIndex);
  const aborted =
    decision.state === 'aborted' && ctx.facts.routed ? abortedScaleActions(ctx) : undefined;
  const actions: RolloutAction[] =
    aborted?.actions ?? scaleActions(ctx, weight, decision.context.stepIndex);
  const routes = stateRoutes(ctx, decision.state, decision.context.stepIndex);
  if (ctx.facts.routed) actions.push(...weightActions(ctx, weight, ctx.podHash, routes));
  actions.push(...serviceActions(ctx, ctx.podHash, ctx.stableHash));
  actions.push(...emitEvents(ctx, decision));
  const scaleDown = scaleDownOld(
    ctx,
    [ctx.stableHash, ctx.podHash],
    scaleDownDelayMs(ctx),
    revisionLimit(ctx),
  );
  actions.push(...scaleDown.actions);
  const { stepIndex, pauseStartedAt } = decision.context;
  const computed = statusFor({
    facts: ctx.facts,
    podHash: ctx.podHash,
    stableHash: ctx.stableHash,
    stage: stageOf[decision.state],
    stepIndex,
    pause:
      pauseStartedAt === undefined
        ? undefined
        : { reason: pauseReasonOf(decision), startedAt: pauseStartedAt },
    strategyStatus: withAnalysisStatus(
      canaryStatus(ctx.facts, ctx, stepIndex, weight),
      analysisStatus,
    ),
  });
  const deadline = deadlineOutcome(ctx, withAbortReason(ctx, computed));
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
  if (decision.state === 'pausedAtStep' && !decision.context.inconclusive) {
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

function scaleDownDelayMs(ctx: PlanContext): number {
  if (!ctx.facts.routed) return 0;
  const seconds = ctx.facts.rollout.spec.strategy?.canary?.scaleDownDelaySeconds;
  return (seconds ?? defaultScaleDownDelaySeconds) * 1000;
}

function emitEvents(ctx: PlanContext, decision: CanaryDecision): RolloutAction[] {
  return decision.emits.map((emit): RolloutAction => {
    if (emit.type !== 'stepCompleted')
      return lifecycleEvent(ctx, emit.type, pauseReasonOf(decision));
    return event(
      'Normal',
      Reason.RolloutStepCompleted,
      `Rollout step ${emit.params.step}/${emit.params.of} completed`,
    );
  });
}

function withAnalysisStatus(
  status: RolloutStatus,
  analysis: RolloutStatus['canary'],
): RolloutStatus {
  return { ...status, canary: { ...status.canary, ...analysis } };
}

/** An abort caused by analysis says which metric caused it, as Argo's message does. */
function withAbortReason(ctx: PlanContext, status: RolloutStatus): RolloutStatus {
  const why = status.phase === 'Degraded' && status.abortedAt ? failedRunMessage(ctx) : undefined;
  return why ? { ...status, message: `${status.message ?? ''}: ${why}` } : status;
}

/** The strategy-neutral stage each canary state stands for. */
const stageOf: Record<CanaryState, Stage> = {
  stepping: 'progressing',
  pausedAtStep: 'paused',
  completing: 'completing',
  completed: 'completed',
  aborted: 'aborted',
};

function revisionLimit(ctx: PlanContext): number | undefined {
  return ctx.facts.rollout.spec.strategy?.canary?.scaleDownDelayRevisionLimit;
}
