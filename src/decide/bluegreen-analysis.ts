// Blue-green's analysis gates, decided purely: pre-promotion analysis runs once the preview stack
// is up and gates the promotion; post-promotion analysis runs once the active Service has moved
// and gates marking the new stack stable. Verdicts feed the machine; after it decides, the runs
// to create, stop and delete and status.blueGreen's references follow.
import type { RolloutStatus } from '../api/rollout.js';
import type {
  AnalysisVerdict,
  BlueGreenDecision,
  BlueGreenStatusFacts,
} from '../machines/bluegreen.js';
import { gateActions, gateStatus, openGate, type GateOutcome } from './analysis-gates.js';
import { gateContext } from './canary-analysis.js';
import type { PlanContext, RolloutAction } from './plan-common.js';

/** The two gates as they stand before the machine decides. */
export interface BlueGreenGates {
  readonly pre?: GateOutcome | undefined;
  readonly post?: GateOutcome | undefined;
  readonly error?: string | undefined;
}

/** Where the update stands, as far as the gates care. */
export interface GateStage {
  readonly aborted: boolean;
  /** The new stack is at its preview size and available. */
  readonly previewUp: boolean;
  /** Promotion started and the active Service already selects the new stack. */
  readonly switched: boolean;
}

type BlueGreenStatus = NonNullable<RolloutStatus['blueGreen']>;

function blueGreenOf(ctx: PlanContext) {
  return ctx.facts.rollout.spec.strategy?.blueGreen;
}

/** Opens the gates whose time has come. */
export function blueGreenGates(
  ctx: PlanContext,
  facts: BlueGreenStatusFacts,
  stage: GateStage,
): BlueGreenGates {
  if (stage.aborted) return {};
  // A gate opens when its moment comes and stays open while its run lives, so a pod that flaps
  // or a selector someone reverts never stops (and so passes) a running analysis.
  const started = facts.promotionStarted;
  const pre = openWhen(!started && stage.previewUp, ctx, 'PrePromotion');
  const post = openWhen(started && stage.switched, ctx, 'PostPromotion');
  return { pre, post, error: pre?.error ?? post?.error };
}

/** The gate when its moment has come, or while a run of it is still alive. */
function openWhen(
  due: boolean,
  ctx: PlanContext,
  kind: 'PrePromotion' | 'PostPromotion',
): GateOutcome | undefined {
  const phaseOk = kind === 'PrePromotion' ? !ctxStarted(ctx) : ctxStarted(ctx);
  return due || (phaseOk && hasRun(ctx, kind)) ? gate(ctx, kind) : undefined;
}

function ctxStarted(ctx: PlanContext): boolean {
  return ctx.facts.rollout.status?.blueGreen?.scaleUpPreviewCheckPoint === true;
}

function hasRun(ctx: PlanContext, kind: string): boolean {
  return (ctx.facts.runs ?? []).some(
    (r) => r.owned !== false && r.kind === kind && r.podHash === ctx.podHash && !r.terminate,
  );
}

function gate(ctx: PlanContext, kind: 'PrePromotion' | 'PostPromotion'): GateOutcome | undefined {
  const bg = blueGreenOf(ctx);
  const status = ctx.facts.rollout.status?.blueGreen;
  const pre = kind === 'PrePromotion';
  const request = pre ? bg?.prePromotionAnalysis : bg?.postPromotionAnalysis;
  if (!request) return undefined;
  const current = pre
    ? status?.prePromotionAnalysisRunStatus
    : status?.postPromotionAnalysisRunStatus;
  return openGate(gateContext(ctx), { kind, request, currentName: current?.name });
}

/** The verdicts the machine sees: `none` without analysis, `running` until a run decides. */
export function blueGreenVerdicts(
  ctx: PlanContext,
  gates: BlueGreenGates,
): { prePromotion: AnalysisVerdict; postPromotion: AnalysisVerdict } {
  const bg = blueGreenOf(ctx);
  return {
    prePromotion: bg?.prePromotionAnalysis ? (gates.pre?.verdict ?? 'running') : 'none',
    postPromotion: bg?.postPromotionAnalysis
      ? promoted(ctx, gates.post?.verdict ?? 'running')
      : 'none',
  };
}

/** A person promoted past an inconclusive result (pause condition gone, controller flag kept). */
function promoted(ctx: PlanContext, verdict: AnalysisVerdict): AnalysisVerdict {
  const status = ctx.facts.rollout.status ?? {};
  const lifted = status.controllerPause === true && (status.pauseConditions ?? []).length === 0;
  return verdict === 'inconclusive' && lifted ? 'successful' : verdict;
}

/** Runs to create, stop and delete after the decision, and status.blueGreen's references. */
export function blueGreenGateResults(
  ctx: PlanContext,
  gates: BlueGreenGates,
  decision: BlueGreenDecision,
): { actions: RolloutAction[]; status: Partial<BlueGreenStatus> } {
  const live = decision.state !== 'aborted' && decision.state !== 'completed';
  const open = live ? [gates.pre, decision.state === 'postPromotion' ? gates.post : undefined] : [];
  const actions = gateActions(ctx.facts.rollout, ctx.facts.runs ?? [], open);
  // After an abort the old runs stay for a look, but a retry starts new ones.
  return { actions, status: decision.state === 'aborted' ? {} : statusRefs(ctx, gates) };
}

/** A gate's reference in status: the open gate's run, else the one recorded before. */
function statusRefs(ctx: PlanContext, gates: BlueGreenGates): Partial<BlueGreenStatus> {
  const previous = ctx.facts.rollout.status?.blueGreen ?? {};
  const pre = refOf(gates.pre) ?? previous.prePromotionAnalysisRunStatus;
  const post = refOf(gates.post) ?? previous.postPromotionAnalysisRunStatus;
  return {
    ...(pre ? { prePromotionAnalysisRunStatus: pre } : {}),
    ...(post ? { postPromotionAnalysisRunStatus: post } : {}),
  };
}

function refOf(gate: GateOutcome | undefined) {
  return gate && gateStatus(gate);
}
