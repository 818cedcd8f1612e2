// The analysis gates of a Rollout pass, decided purely: for each gate in force (an analysis step,
// background analysis, blue-green pre/post promotion) which AnalysisRun is the current one, what
// its verdict is, and which runs to create, terminate or delete. The current run of a gate is the
// one status names; failing that the newest live one of the same kind and revision; failing that
// a new one is created. Runs of other revisions and finished gates are terminated.
import type { AnalysisRun, AnalysisTemplate } from '../api/analysis.js';
import type { Rollout } from '../api/rollout.js';
import type { RolloutAction } from './plan-common.js';
import type { AnalysisVerdict } from '../machines/bluegreen.js';
import { isTerminal } from './analysis/metric.js';
import {
  buildAnalysisRun,
  verdictOf,
  type AnalysisKind,
  type RolloutAnalysisRequest,
  type RunFacts,
} from './analysis/rollout-analysis.js';

/** One gate that must have a run now. */
export interface GateRequest {
  readonly kind: AnalysisKind;
  readonly request: RolloutAnalysisRequest;
  readonly stepIndex?: number | undefined;
  /** The run status names as current for this gate. */
  readonly currentName?: string | undefined;
  /** Start over: ignore the current run (a retry, or a resume after an inconclusive result). */
  readonly fresh?: boolean | undefined;
}

/** What the gates need from the pass. */
export interface GateContext {
  readonly rollout: Rollout;
  readonly podHash: string;
  readonly stableHash: string;
  readonly revision: number;
  readonly runs: readonly RunFacts[];
  readonly template: (name: string, clusterScope: boolean) => AnalysisTemplate | undefined;
}

/** One gate's outcome. */
export interface GateOutcome {
  readonly verdict: AnalysisVerdict;
  /** The run now current (existing or about to be created). */
  readonly runName?: string | undefined;
  readonly phase?: string | undefined;
  readonly message?: string | undefined;
  /** A run to create. */
  readonly create?: AnalysisRun | undefined;
  /** Why no run could be built (a template missing, an arg unset): the spec is unusable. */
  readonly error?: string | undefined;
}

function sameGate(run: RunFacts, ctx: GateContext, gate: GateRequest): boolean {
  return (
    run.owned !== false &&
    // A run ramp stopped ends "Successful"; it must never pass as a verdict.
    !(run.terminate && run.phase === 'Successful') &&
    run.kind === gate.kind &&
    run.podHash === ctx.podHash &&
    (gate.stepIndex === undefined || run.stepIndex === String(gate.stepIndex))
  );
}

/** The gate's current run, its verdict, and the run to create when there is none. */
export function openGate(ctx: GateContext, gate: GateRequest): GateOutcome {
  const named = gate.fresh ? undefined : ctx.runs.find((r) => r.name === gate.currentName);
  const current =
    (named && sameGate(named, ctx, gate) ? named : undefined) ??
    newestLive(ctx.runs.filter((r) => sameGate(r, ctx, gate)));
  if (current)
    return {
      verdict: verdictOf(current.phase),
      runName: current.name,
      phase: current.phase,
      message: current.message,
    };
  const built = buildAnalysisRun({
    rollout: ctx.rollout,
    kind: gate.kind,
    request: gate.request,
    template: ctx.template,
    podHash: ctx.podHash,
    stableHash: ctx.stableHash,
    revision: ctx.revision,
    stepIndex: gate.stepIndex,
    existingNames: ctx.runs.map((r) => r.name),
  });
  if (!built.ok) return { verdict: 'running', error: built.error };
  return { verdict: 'running', runName: built.run.metadata.name, create: built.run };
}

function newestLive(runs: readonly RunFacts[]): RunFacts | undefined {
  return [...runs]
    .filter((r) => !isTerminal(r.phase) && !r.terminate)
    .sort((a, b) => b.created - a.created)[0];
}

/** Live runs that no gate holds any more: they are told to stop. */
export function runsToTerminate(runs: readonly RunFacts[], keep: readonly string[]): string[] {
  return runs
    .filter((r) => r.owned !== false && !isTerminal(r.phase) && !r.terminate)
    .filter((r) => !keep.includes(r.name))
    .map((r) => r.name);
}

/** Argo's default of finished runs kept per outcome. */
const defaultRunHistory = 5;

/** Finished runs beyond the Rollout's history limits, newest kept; runs a gate holds stay. */
export function runsToDelete(
  rollout: Rollout,
  runs: readonly RunFacts[],
  keep: readonly string[] = [],
): string[] {
  const limits = rollout.spec.analysis ?? {};
  const done = [...runs]
    .filter((r) => r.owned !== false && isTerminal(r.phase) && !keep.includes(r.name))
    .sort((a, b) => b.created - a.created);
  const successful = done.filter((r) => r.phase === 'Successful');
  const unsuccessful = done.filter((r) => r.phase !== 'Successful');
  return [
    ...successful.slice(limits.successfulRunHistoryLimit ?? defaultRunHistory),
    ...unsuccessful.slice(limits.unsuccessfulRunHistoryLimit ?? defaultRunHistory),
  ].map((r) => r.name);
}

/** A gate's status entry (Argo's RolloutAnalysisRunStatus). */
export function gateStatus(
  outcome: GateOutcome,
): { name: string; status: string; message?: string } | undefined {
  if (!outcome.runName) return undefined;
  return {
    name: outcome.runName,
    status: outcome.phase ?? 'Pending',
    ...(outcome.message ? { message: outcome.message } : {}),
  };
}

/** The runs to create for the gates still open, to stop for the rest, and to delete by history. */
export function gateActions(
  rollout: Rollout,
  runs: readonly RunFacts[],
  open: readonly (GateOutcome | undefined)[],
): RolloutAction[] {
  const kept = open.filter((g): g is GateOutcome => g !== undefined);
  const keep = kept.flatMap((g) => (g.runName ? [g.runName] : []));
  return [
    ...kept.flatMap((g): RolloutAction[] =>
      g.create ? [{ kind: 'createAnalysisRun', run: g.create }] : [],
    ),
    ...runsToTerminate(runs, keep).map((name): RolloutAction => ({
      kind: 'terminateAnalysisRun',
      name,
    })),
    ...runsToDelete(rollout, runs, keep).map((name): RolloutAction => ({
      kind: 'deleteAnalysisRun',
      name,
    })),
  ];
}
