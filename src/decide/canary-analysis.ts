// The canary's analysis, decided purely: the gate of the current analysis step and the
// background analysis (from `startingStep` on), their verdicts for the step machine, and after
// the machine has decided, the runs to create, terminate and delete and the status references.
// A person who promotes past an inconclusive result skips the step's analysis, or starts the
// background analysis afresh.
import { PauseReason } from '../api/conditions.js';
import type { RolloutStatus } from '../api/rollout.js';
import type { AnalysisVerdict } from '../machines/bluegreen.js';
import type { CanaryDecision } from '../machines/canary.js';
import {
  gateActions,
  gateStatus,
  openGate,
  runsToDelete,
  runsToTerminate,
  type GateContext,
  type GateOutcome,
} from './analysis-gates.js';
import { byHash, isNewRevision, type PlanContext, type RolloutAction } from './plan-common.js';
export { failedRunMessage } from './plan-common.js';

/** The canary's gates as they stand before the machine decides. */
export interface CanaryGates {
  readonly step?: GateOutcome | undefined;
  readonly background?: GateOutcome | undefined;
  /** The first gate that could not be built (template missing, arg unset). */
  readonly error?: string | undefined;
}

/** The gate context of a pass. */
export function gateContext(ctx: PlanContext): GateContext {
  return {
    rollout: ctx.facts.rollout,
    podHash: ctx.podHash,
    stableHash: ctx.stableHash,
    revision: byHash(ctx, ctx.podHash)?.revision ?? 0,
    runs: ctx.facts.runs ?? [],
    template: ctx.facts.template ?? (() => undefined),
  };
}

/**
 * A person promoted while the rollout was paused on an inconclusive analysis: the controller's
 * pause flag is still set but the pause condition is gone.
 */
function promotedPastInconclusive(ctx: PlanContext, stepIndex: number): boolean {
  const status = ctx.facts.rollout.status ?? {};
  if (isNewRevision(ctx) || status.controllerPause !== true) return false;
  return (status.pauseConditions ?? []).length === 0 && stepIndex >= 0;
}

/** The gates in force at `stepIndex` (the step the rollout is on), unless it was aborted. */
export function canaryGates(ctx: PlanContext, stepIndex: number, aborted: boolean): CanaryGates {
  if (aborted) return {};
  const skip = promotedPastInconclusive(ctx, stepIndex);
  const step = stepGate(ctx, stepIndex);
  const background = backgroundGate(ctx, stepIndex, skip);
  return {
    step: skip && step?.verdict === 'inconclusive' ? { ...step, verdict: 'successful' } : step,
    background,
    error: step?.error ?? background?.error,
  };
}

function stepGate(ctx: PlanContext, stepIndex: number): GateOutcome | undefined {
  const request = ctx.facts.rollout.spec.strategy?.canary?.steps?.[stepIndex]?.analysis;
  if (!request) return undefined;
  return openGate(gateContext(ctx), {
    kind: 'Step',
    request,
    stepIndex,
    currentName: ctx.facts.rollout.status?.canary?.currentStepAnalysisRunStatus?.name,
  });
}

function backgroundRef(ctx: PlanContext): { name: string; status: string } | undefined {
  return ctx.facts.rollout.status?.canary?.currentBackgroundAnalysisRunStatus;
}

function backgroundGate(
  ctx: PlanContext,
  stepIndex: number,
  skip: boolean,
): GateOutcome | undefined {
  const request = ctx.facts.rollout.spec.strategy?.canary?.analysis;
  if (!request || stepIndex < (request.startingStep ?? 0)) return undefined;
  const current = backgroundRef(ctx);
  return openGate(gateContext(ctx), {
    kind: 'Background',
    request,
    currentName: current?.name,
    // Promoted past an inconclusive result: a new run starts rather than pausing again.
    fresh: skip && current?.status === 'Inconclusive',
  });
}

/** The verdicts the step machine sees. */
export function gateVerdicts(gates: CanaryGates): {
  stepAnalysis: AnalysisVerdict;
  backgroundAnalysis: AnalysisVerdict;
} {
  return {
    stepAnalysis: gates.step?.verdict ?? 'none',
    backgroundAnalysis: gates.background?.verdict ?? 'none',
  };
}

const live = new Set(['stepping', 'pausedAtStep', 'completing']);

/** The gates still open after the decision (the step gate only while on that step). */
function openAfter(
  gates: CanaryGates,
  decision: CanaryDecision,
  stepIndex: number,
): { step?: GateOutcome | undefined; background?: GateOutcome | undefined } {
  if (!live.has(decision.state)) return {};
  return {
    step: decision.context.stepIndex === stepIndex ? gates.step : undefined,
    // Background analysis watches until the canary is fully promoted, as in Argo.
    background: gates.background,
  };
}

/** Runs to create, terminate and delete, and status.canary's analysis references. */
export function canaryGateResults(
  ctx: PlanContext,
  gates: CanaryGates,
  decision: CanaryDecision,
  stepIndex: number,
): { actions: RolloutAction[]; canary: NonNullable<RolloutStatus['canary']> } {
  const open = openAfter(gates, decision, stepIndex);
  const actions = gateActions(ctx.facts.rollout, ctx.facts.runs ?? [], [
    open.step,
    open.background,
  ]);
  const step = open.step && gateStatus(open.step);
  const background = open.background && gateStatus(open.background);
  return {
    actions,
    canary: {
      ...(step ? { currentStepAnalysisRunStatus: step } : {}),
      ...(background ? { currentBackgroundAnalysisRunStatus: background } : {}),
    },
  };
}

/** The pause reason the machine's pause stands for. */
export function pauseReasonOf(decision: CanaryDecision): string {
  return decision.context.inconclusive
    ? PauseReason.InconclusiveAnalysisRun
    : PauseReason.CanaryPauseStep;
}

/** With no update in progress no run is needed: live ones stop, old ones beyond the limits go. */
export function idleRunActions(ctx: PlanContext): RolloutAction[] {
  const runs = ctx.facts.runs ?? [];
  return [
    ...runsToTerminate(runs, []).map((name): RolloutAction => ({
      kind: 'terminateAnalysisRun',
      name,
    })),
    ...runsToDelete(ctx.facts.rollout, runs).map((name): RolloutAction => ({
      kind: 'deleteAnalysisRun',
      name,
    })),
  ];
}
