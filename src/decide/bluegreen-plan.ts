// One reconcile pass of a blue-green Rollout, decided purely. The machine says where the update
// stands; this file turns that into ReplicaSet sizes, the active and preview Services' selectors,
// status and events. The one rule it never bends: the active Service moves to a ReplicaSet only
// when that ReplicaSet is available, so production traffic never lands on pods that are not Ready.
import { InvalidSpecMessage, PauseReason } from '../api/conditions.js';
import type { RolloutSpec, RolloutStatus } from '../api/rollout.js';
import {
  decideBlueGreen,
  type BlueGreenDecision,
  type BlueGreenObservation,
  type BlueGreenState,
  type BlueGreenStatusFacts,
} from '../machines/bluegreen.js';
import {
  byHash,
  newRevisionActions,
  deadlineOutcome,
  defaultScaleDownDelaySeconds,
  blockedPlan,
  isNewRevision,
  lifecycleEvent,
  withRunActions,
  planContext,
  pruneHistory,
  scaleDownOld,
  scaleDownStep,
  serviceProblem,
  waitingRequeueMs,
  type PlanContext,
  type ReplicaSetFacts,
  type RolloutAction,
  type RolloutFacts,
  type RolloutPlan,
} from './plan-common.js';
import { blueGreenGateResults, blueGreenGates, blueGreenVerdicts } from './bluegreen-analysis.js';
import { idleRunActions } from './canary-analysis.js';
import { unavailableCount } from './replicas.js';
import { statusFor, type Stage } from './rollout-status.js';

type BlueGreen = NonNullable<NonNullable<RolloutSpec['strategy']>['blueGreen']>;

/** Decides one pass for a blue-green Rollout whose spec is valid. */
export function planBlueGreen(facts: RolloutFacts): RolloutPlan {
  const ctx = planContext(facts);
  const bg = strategy(ctx);
  const problem = serviceProblem(ctx, [
    ['spec.strategy.blueGreen.activeService', bg.activeService],
    ['spec.strategy.blueGreen.previewService', bg.previewService],
  ]);
  if (problem)
    return blockedPlan(facts, InvalidSpecMessage.invalid(facts.rollout.metadata.name, problem));
  const result = ctx.stableHash === ctx.podHash ? planSteady(ctx) : planUpdate(ctx);
  return { ...result, actions: [...newRevisionActions(ctx), ...result.actions] };
}

function strategy(ctx: PlanContext): BlueGreen {
  return ctx.facts.rollout.spec.strategy?.blueGreen ?? { activeService: '' };
}

/** The hash the Service's selector holds now. */
function selectorOf(ctx: PlanContext, service: string | undefined): string | undefined {
  return service ? ctx.facts.services?.[service]?.selectorHash : undefined;
}

/** Points a Service at a ReplicaSet, unless it already points there. */
function point(ctx: PlanContext, service: string | undefined, hash: string): RolloutAction[] {
  if (!service || selectorOf(ctx, service) === hash) return [];
  return [{ kind: 'setServiceSelector', service, podHash: hash }];
}

function scaleTo(rs: ReplicaSetFacts | undefined, replicas: number): RolloutAction[] {
  if (!rs || (rs.specReplicas === replicas && rs.scaleDownDeadline === undefined)) return [];
  return [{ kind: 'scaleReplicaSet', name: rs.name, replicas, scaleDownDeadline: null }];
}

/** The active Service may move to this ReplicaSet: enough of it is available (never none). */
function availableForTraffic(ctx: PlanContext, rs: ReplicaSetFacts | undefined): boolean {
  if (!rs?.observed || rs.specReplicas < ctx.replicas) return false;
  const allowed = unavailableCount(strategy(ctx).maxUnavailable ?? 0, ctx.replicas);
  return rs.availableReplicas >= Math.max(1, ctx.replicas - allowed);
}

function scaleDownDelayMs(ctx: PlanContext): number {
  return (strategy(ctx).scaleDownDelaySeconds ?? defaultScaleDownDelaySeconds) * 1000;
}

/**
 * No update in progress: the stable ReplicaSet at full size and both Services on it once it is
 * available; older ReplicaSets go after scaleDownDelaySeconds.
 */
function planSteady(ctx: PlanContext): RolloutPlan {
  const bg = strategy(ctx);
  const stable = byHash(ctx, ctx.stableHash);
  const ready = availableForTraffic(ctx, stable) || !ctx.facts.rollout.status?.stableRS;
  const actions: RolloutAction[] = [
    ...scaleTo(stable, ctx.replicas),
    ...(ready ? point(ctx, bg.activeService, ctx.stableHash) : []),
    ...(ready ? point(ctx, bg.previewService, ctx.stableHash) : []),
  ];
  const scaleDown = scaleDownOld(
    ctx,
    [ctx.stableHash],
    scaleDownDelayMs(ctx),
    bg.scaleDownDelayRevisionLimit,
  );
  actions.push(
    ...scaleDown.actions,
    ...pruneHistory(ctx, [ctx.stableHash]),
    ...idleRunActions(ctx),
  );
  const status = statusFor({
    facts: ctx.facts,
    podHash: ctx.podHash,
    stableHash: ctx.stableHash,
    stage: 'completed',
    strategyStatus: blueGreenStatus(ctx, 'completed'),
    oldPodsKeepProgressing: false,
  });
  return { status, actions, requeueAfterMs: scaleDown.requeueAfterMs };
}

function planUpdate(ctx: PlanContext): RolloutPlan {
  const facts = machineFacts(ctx);
  const obs = observation(ctx);
  const gates = blueGreenGates(ctx, facts, {
    aborted: facts.abortHandled,
    previewUp: obs.previewReady,
    switched: facts.promotionStarted && obs.activeOnNew,
  });
  if (gates.error)
    return blockedPlan(
      ctx.facts,
      InvalidSpecMessage.invalid(ctx.facts.rollout.metadata.name, `analysis: ${gates.error}`),
    );
  const verdicts = ctx.facts.analysis ? {} : blueGreenVerdicts(ctx, gates);
  const decision = decideBlueGreen(facts, { ...obs, ...verdicts });
  const analysis = blueGreenGateResults(ctx, gates, decision);
  return withRunActions(planDecided(ctx, decision, analysis.status), analysis.actions);
}

function planDecided(
  ctx: PlanContext,
  decision: BlueGreenDecision,
  analysisStatus: RolloutStatus['blueGreen'],
): RolloutPlan {
  if (decision.state === 'completed') return planCompleted(ctx, decision, analysisStatus);
  const pausedAt = decision.context.pauseStartedAt;
  const aborted = decision.state === 'aborted' ? abortedActions(ctx) : undefined;
  const actions = [
    ...(aborted?.actions ?? progressActions(ctx, decision.state)),
    ...emitEvents(ctx, decision),
  ];
  const bg = strategy(ctx);
  const scaleDown = scaleDownOld(
    ctx,
    [ctx.stableHash, ctx.podHash],
    scaleDownDelayMs(ctx),
    bg.scaleDownDelayRevisionLimit,
  );
  actions.push(...scaleDown.actions);
  const computed = statusFor({
    facts: ctx.facts,
    podHash: ctx.podHash,
    stableHash: ctx.stableHash,
    stage: inconclusiveHold(decision) ? 'paused' : stageOf[decision.state],
    pause:
      pausedAt === undefined
        ? undefined
        : {
            reason: decision.context.inconclusive
              ? PauseReason.InconclusiveAnalysisRun
              : PauseReason.BlueGreenPause,
            startedAt: pausedAt,
          },
    strategyStatus: withAnalysis(blueGreenStatus(ctx, decision.state), analysisStatus),
  });
  const deadline = deadlineOutcome(ctx, computed);
  actions.push(...deadline.actions);
  const failed = decision.emits.includes('analysisFailed');
  return {
    status: failed ? { ...deadline.status, abort: true } : deadline.status,
    actions,
    requeueAfterMs: requeueFor(ctx, decision, [scaleDown.requeueAfterMs, aborted?.requeueAfterMs]),
  };
}

/** Waiting on a person after an inconclusive analysis (the machine stays in its state). */
function inconclusiveHold(decision: BlueGreenDecision): boolean {
  return (
    decision.context.inconclusive === true &&
    (decision.state === 'preview' || decision.state === 'postPromotion')
  );
}

/** The strategy-neutral stage each blue-green state stands for. */
const stageOf: Record<BlueGreenState, Stage> = {
  preview: 'progressing',
  paused: 'paused',
  promoting: 'completing',
  postPromotion: 'completing',
  completed: 'completed',
  aborted: 'aborted',
};

/** The status of this revision: empty when the template changed since status was written. */
function revisionStatus(ctx: PlanContext): RolloutStatus {
  return isNewRevision(ctx) ? {} : (ctx.facts.rollout.status ?? {});
}

function pauseCondition(
  status: RolloutStatus,
  reason: string = PauseReason.BlueGreenPause,
): { startTime: string } | undefined {
  return (status.pauseConditions ?? []).find((p) => p.reason === reason);
}

/** The status facts the machine is restored from; a new revision starts from the preview. */
function machineFacts(ctx: PlanContext): BlueGreenStatusFacts {
  const status = revisionStatus(ctx);
  const bg = strategy(ctx);
  const inconclusive = pauseCondition(status, PauseReason.InconclusiveAnalysisRun);
  const pause = pauseCondition(status) ?? inconclusive;
  return {
    context: {
      pauseStartedAt: pause ? Date.parse(pause.startTime) : undefined,
      autoPromotion: bg.autoPromotionEnabled ?? true,
      autoPromotionSeconds: bg.autoPromotionSeconds,
      ...(inconclusive ? { inconclusive: true } : {}),
    },
    inconclusivePause: inconclusive !== undefined,
    abortHandled: status.abortedAt !== undefined,
    pauseConditionPresent: pause !== undefined,
    controllerPause: status.controllerPause === true,
    promotionStarted: status.blueGreen?.scaleUpPreviewCheckPoint === true,
    activeOnNew: status.blueGreen?.activeSelector === ctx.podHash,
  };
}

function previewCount(ctx: PlanContext): number {
  return Math.min(strategy(ctx).previewReplicaCount ?? ctx.replicas, ctx.replicas);
}

/** The new ReplicaSet is at its preview size (or more) and all of that is available. */
function previewUp(ctx: PlanContext): boolean {
  const current = byHash(ctx, ctx.podHash);
  const want = previewCount(ctx);
  return (
    current?.observed === true && current.specReplicas >= want && current.availableReplicas >= want
  );
}

function observation(ctx: PlanContext): BlueGreenObservation {
  const status = revisionStatus(ctx);
  const analysis = ctx.facts.analysis ?? {};
  return {
    now: ctx.facts.now,
    previewReady: previewUp(ctx),
    newAvailable: availableForTraffic(ctx, byHash(ctx, ctx.podHash)),
    activeOnNew: selectorOf(ctx, strategy(ctx).activeService) === ctx.podHash,
    abort: status.abort === true,
    paused: ctx.facts.rollout.spec.paused === true,
    pauseConditionPresent: pauseCondition(status) !== undefined,
    prePromotion: analysis.prePromotion ?? 'none',
    postPromotion: analysis.postPromotion ?? 'none',
  };
}

/**
 * Sizes and selectors while the update moves: the new stack at preview size until promotion, then
 * full size; preview follows it once it is up; active follows only once it is available.
 */
function progressActions(ctx: PlanContext, state: BlueGreenState): RolloutAction[] {
  const bg = strategy(ctx);
  const current = byHash(ctx, ctx.podHash);
  const promoting = state === 'promoting' || state === 'postPromotion';
  const previewOnNew = promoting || previewUp(ctx);
  const activeTarget =
    promoting && availableForTraffic(ctx, current) ? ctx.podHash : activeFallback(ctx);
  return [
    ...scaleTo(byHash(ctx, ctx.stableHash), ctx.replicas),
    ...scaleTo(current, promoting ? ctx.replicas : previewCount(ctx)),
    ...(previewOnNew ? point(ctx, bg.previewService, ctx.podHash) : []),
    ...(activeTarget ? point(ctx, bg.activeService, activeTarget) : []),
  ];
}

/**
 * Where the active Service belongs when it must not be on the new stack: the stable ReplicaSet,
 * once it can take the traffic (after an abort it may have to come back up first). Until then the
 * Service stays where it is.
 */
function activeFallback(ctx: PlanContext): string | undefined {
  const now = selectorOf(ctx, strategy(ctx).activeService);
  if (now === ctx.stableHash) return undefined;
  return availableForTraffic(ctx, byHash(ctx, ctx.stableHash)) ? ctx.stableHash : undefined;
}

/**
 * Aborted: production traffic goes back to the stable stack (once it can take it), the preview
 * keeps the new one, and the new ReplicaSet is scaled down after abortScaleDownDelaySeconds
 * (0 keeps it).
 */
function abortedActions(ctx: PlanContext): { actions: RolloutAction[]; requeueAfterMs?: number } {
  const current = byHash(ctx, ctx.podHash);
  const actions: RolloutAction[] = [...scaleTo(byHash(ctx, ctx.stableHash), ctx.replicas)];
  const target = activeFallback(ctx);
  if (target) actions.push(...point(ctx, strategy(ctx).activeService, target));
  const seconds = strategy(ctx).abortScaleDownDelaySeconds ?? defaultScaleDownDelaySeconds;
  // The new pods may leave only once nothing sends production traffic to them.
  const activeOffNew = selectorOf(ctx, strategy(ctx).activeService) !== ctx.podHash;
  if (!current || current.specReplicas === 0 || seconds === 0 || !activeOffNew) return { actions };
  const step = scaleDownStep(current, seconds * 1000, ctx.facts.now);
  if (step.action) actions.push(step.action);
  return step.waitMs === undefined ? { actions } : { actions, requeueAfterMs: step.waitMs };
}

function withAnalysis(status: RolloutStatus, analysis: RolloutStatus['blueGreen']): RolloutStatus {
  return { ...status, blueGreen: { ...status.blueGreen, ...analysis } };
}

/** Promotion is done: the new ReplicaSet becomes stable; the old one goes after the delay. */
function planCompleted(
  ctx: PlanContext,
  decision: BlueGreenDecision,
  analysisStatus: RolloutStatus['blueGreen'],
): RolloutPlan {
  const plan = planSteady({ ...ctx, stableHash: ctx.podHash });
  return {
    ...plan,
    status: withAnalysis(plan.status, analysisStatus),
    actions: [...emitEvents(ctx, decision), ...plan.actions],
    requeueAfterMs: Math.min(plan.requeueAfterMs ?? Infinity, 0),
  };
}

/** status.blueGreen: the selectors as observed, and whether promotion has started. */
function blueGreenStatus(ctx: PlanContext, state: BlueGreenState): RolloutStatus {
  const bg = strategy(ctx);
  const active = selectorOf(ctx, bg.activeService);
  const preview = selectorOf(ctx, bg.previewService);
  return {
    blueGreen: {
      ...(active ? { activeSelector: active } : {}),
      ...(preview ? { previewSelector: preview } : {}),
      scaleUpPreviewCheckPoint: state === 'promoting' || state === 'postPromotion',
    },
  };
}

function requeueFor(
  ctx: PlanContext,
  decision: BlueGreenDecision,
  waits: readonly (number | undefined)[],
): number | undefined {
  const candidates = waits.map((w) => w ?? Infinity);
  if (decision.emits.length > 0) candidates.push(0);
  const { pauseStartedAt, autoPromotion, autoPromotionSeconds } = decision.context;
  if (decision.state === 'paused' && autoPromotion && autoPromotionSeconds !== undefined) {
    const due = (pauseStartedAt ?? ctx.facts.now) + autoPromotionSeconds * 1000;
    candidates.push(Math.max(0, due - ctx.facts.now));
  } else if (decision.state !== 'aborted' && decision.state !== 'paused') {
    // Waiting on pods or Services: their events wake the rollout; this is only a safety net.
    candidates.push(waitingRequeueMs);
  }
  const next = Math.min(...candidates);
  return Number.isFinite(next) ? next : undefined;
}

function emitEvents(ctx: PlanContext, decision: BlueGreenDecision): RolloutAction[] {
  const reason = decision.context.inconclusive
    ? PauseReason.InconclusiveAnalysisRun
    : PauseReason.BlueGreenPause;
  return decision.emits.map((emit) => lifecycleEvent(ctx, emit, reason));
}
