// The canary's step machine. It decides only how the rollout moves through its steps: advance,
// pause, resume, abort, retry, complete. It never does I/O and never keeps time itself: the
// snapshot is rebuilt from the Rollout's status on every pass (see restoreCanary), each pass sends
// one OBSERVE event with what was seen, and a pause's end becomes a requeue time.
import { assign, or, setup, transition, type SnapshotFrom } from 'xstate';

import { PauseReason } from '../api/conditions.js';
import type { CanaryStep } from '../api/rollout.js';
import type { AnalysisVerdict } from './bluegreen.js';
import { durationSeconds } from '../decide/durations.js';

/** What the machine remembers between passes; all of it is stored in Rollout status. */
export interface CanaryContext {
  readonly steps: readonly CanaryStep[];
  /** status.currentStepIndex. */
  readonly stepIndex: number;
  /** startTime of the controller's pause condition, in ms, when one is in place. */
  readonly pauseStartedAt: number | undefined;
  /** The pause is for an inconclusive analysis (InconclusiveAnalysisRun), not a pause step. */
  readonly inconclusive?: boolean | undefined;
}

/** What one reconcile pass saw. */
export interface CanaryObservation {
  readonly now: number;
  /** The current step's replicas and traffic weight are in place (canary pods available, weight verified). */
  readonly stepReady: boolean;
  /** status.abort, as the plugin or a failed analysis set it. */
  readonly abort: boolean;
  /** spec.paused. */
  readonly paused: boolean;
  /** status.promoteFull. */
  readonly promoteFull: boolean;
  /** The controller's pause condition is present in status (promote removes it). */
  readonly pauseConditionPresent: boolean;
  /** Verdict of the current step's analysis ('none' when the step is not an analysis step). */
  readonly stepAnalysis?: AnalysisVerdict | undefined;
  /** Verdict of background analysis ('none' when there is none in force). */
  readonly backgroundAnalysis?: AnalysisVerdict | undefined;
}

/** The one event: a reconcile pass's observation. */
export type CanaryEvent = { type: 'OBSERVE'; obs: CanaryObservation };

/** Events the machine asks the controller to emit, with Argo's reasons. */
export type CanaryEmit =
  | { type: 'stepCompleted'; params: { step: number; of: number } }
  | { type: 'paused'; params: Record<string, never> }
  | { type: 'resumed'; params: Record<string, never> }
  | { type: 'aborted'; params: Record<string, never> }
  | { type: 'analysisFailed'; params: Record<string, never> }
  | { type: 'retried'; params: Record<string, never> }
  | { type: 'completed'; params: Record<string, never> };

const obsOf = (event: CanaryEvent): CanaryObservation => event.obs;
const verdicts = (event: CanaryEvent): (AnalysisVerdict | undefined)[] => [
  obsOf(event).stepAnalysis,
  obsOf(event).backgroundAnalysis,
];
const currentStep = (ctx: CanaryContext): CanaryStep | undefined => ctx.steps[ctx.stepIndex];

/** Milliseconds of the current pause step, undefined for "until promoted". */
export function pauseMs(ctx: CanaryContext): number | undefined {
  const seconds = durationSeconds(currentStep(ctx)?.pause?.duration);
  return seconds === undefined ? undefined : seconds * 1000;
}

/** Finishing the current step: report it (1-based, as Argo counts) and move to the next. */
const completeStep = [
  {
    type: 'stepCompleted' as const,
    params: ({ context }: { context: CanaryContext }) => ({
      step: context.stepIndex + 1,
      of: context.steps.length,
    }),
  },
  'advance' as const,
];

/** The canary machine: states and guards, with named actions whose params the controller reads. */
export const canaryMachine = setup({
  types: {
    context: {} as CanaryContext,
    events: {} as CanaryEvent,
    input: {} as CanaryContext,
  },
  guards: {
    aborting: ({ event }) => obsOf(event).abort,
    analysisFailed: ({ event }) => verdicts(event).includes('failed'),
    analysisInconclusive: ({ event }) => verdicts(event).includes('inconclusive'),
    notAborting: ({ event }) => !obsOf(event).abort,
    userPaused: ({ event }) => obsOf(event).paused,
    promoteFull: ({ event }) => obsOf(event).promoteFull,
    allStepsDone: ({ context }) => context.stepIndex >= context.steps.length,
    atPauseStep: ({ context }) => currentStep(context)?.pause !== undefined,
    stepReady: ({ event }) => obsOf(event).stepReady,
    pauseLifted: ({ event }) => !obsOf(event).pauseConditionPresent,
    pauseElapsed: ({ context, event }) => {
      const ms = pauseMs(context);
      return (
        context.inconclusive !== true &&
        ms !== undefined &&
        context.pauseStartedAt !== undefined &&
        obsOf(event).now >= context.pauseStartedAt + ms
      );
    },
  },
  actions: {
    advance: assign(({ context }) => ({
      stepIndex: context.stepIndex + 1,
      pauseStartedAt: undefined,
      inconclusive: undefined,
    })),
    startInconclusivePause: assign(({ event }) => ({
      pauseStartedAt: obsOf(event).now,
      inconclusive: true,
    })),
    jumpToEnd: assign(({ context }) => ({
      stepIndex: context.steps.length,
      pauseStartedAt: undefined,
    })),
    restart: assign(() => ({ stepIndex: 0, pauseStartedAt: undefined })),
    startPause: assign(({ event }) => ({ pauseStartedAt: obsOf(event).now })),
    stepCompleted: (_, params: { step: number; of: number }) => void params,
    paused: () => undefined,
    resumed: () => undefined,
    aborted: () => undefined,
    analysisFailed: () => undefined,
    retried: () => undefined,
    completed: () => undefined,
  },
}).createMachine({
  id: 'canary',
  context: ({ input }) => input,
  initial: 'stepping',
  states: {
    stepping: {
      on: {
        OBSERVE: [
          { guard: 'aborting', target: 'aborted', actions: 'aborted' },
          { guard: 'analysisFailed', target: 'aborted', actions: ['analysisFailed', 'aborted'] },
          { guard: 'userPaused', target: 'stepping' },
          { guard: 'promoteFull', target: 'completing', actions: 'jumpToEnd' },
          { guard: 'allStepsDone', target: 'completing' },
          {
            guard: 'analysisInconclusive',
            target: 'pausedAtStep',
            actions: ['startInconclusivePause', 'paused'],
          },
          { guard: 'atPauseStep', target: 'pausedAtStep', actions: ['startPause', 'paused'] },
          { guard: 'stepReady', target: 'stepping', actions: completeStep },
        ],
      },
    },
    pausedAtStep: {
      on: {
        OBSERVE: [
          { guard: 'aborting', target: 'aborted', actions: 'aborted' },
          { guard: 'analysisFailed', target: 'aborted', actions: ['analysisFailed', 'aborted'] },
          { guard: 'promoteFull', target: 'completing', actions: ['resumed', 'jumpToEnd'] },
          {
            guard: or(['pauseLifted', 'pauseElapsed']),
            target: 'stepping',
            actions: ['resumed', ...completeStep],
          },
        ],
      },
    },
    completing: {
      on: {
        OBSERVE: [
          { guard: 'aborting', target: 'aborted', actions: 'aborted' },
          { guard: 'analysisFailed', target: 'aborted', actions: ['analysisFailed', 'aborted'] },
          { guard: 'stepReady', target: 'completed', actions: 'completed' },
        ],
      },
    },
    completed: { type: 'final' },
    aborted: {
      on: {
        OBSERVE: [{ guard: 'notAborting', target: 'stepping', actions: ['retried', 'restart'] }],
      },
    },
  },
});

/** The machine's state names. */
export type CanaryState = 'stepping' | 'pausedAtStep' | 'completing' | 'completed' | 'aborted';

/** The facts of status the machine is restored from. */
export interface CanaryStatusFacts {
  readonly steps: readonly CanaryStep[];
  readonly currentStepIndex: number;
  readonly pauseConditions: readonly { reason: string; startTime: string }[];
  /** status.abortedAt present: an abort was already carried out. */
  readonly abortHandled: boolean;
  /**
   * status.controllerPause: the controller paused at a step. With no pause condition left, someone
   * promoted (the plugin removes the condition but not this flag), so the pause step is done.
   */
  readonly controllerPause: boolean;
}

/** Rebuilds the machine snapshot from Rollout status: status is the durable truth. */
export function restoreCanary(facts: CanaryStatusFacts): SnapshotFrom<typeof canaryMachine> {
  const pause = facts.pauseConditions.find(
    (p) =>
      p.reason === PauseReason.CanaryPauseStep || p.reason === PauseReason.InconclusiveAnalysisRun,
  );
  const context: CanaryContext = {
    steps: facts.steps,
    stepIndex: Math.max(0, Math.min(facts.currentStepIndex, facts.steps.length)),
    pauseStartedAt: pause ? Date.parse(pause.startTime) : undefined,
    inconclusive: pause?.reason === PauseReason.InconclusiveAnalysisRun ? true : undefined,
  };
  return canaryMachine.resolveState({ value: restoredState(facts, context), context });
}

function restoredState(facts: CanaryStatusFacts, context: CanaryContext): CanaryState {
  if (facts.abortHandled) return 'aborted';
  if (context.stepIndex >= context.steps.length) return 'completing';
  const atPause = currentStep(context)?.pause !== undefined;
  if (context.inconclusive) return 'pausedAtStep';
  if (atPause && (context.pauseStartedAt !== undefined || facts.controllerPause))
    return 'pausedAtStep';
  return 'stepping';
}

/** The outcome of one pass: the next state, its context, and the events to emit. */
export interface CanaryDecision {
  readonly state: CanaryState;
  readonly context: CanaryContext;
  readonly emits: readonly CanaryEmit[];
}

/** One pure step of the machine from restored status and a pass's observation. */
export function decideCanary(facts: CanaryStatusFacts, obs: CanaryObservation): CanaryDecision {
  const [next, actions] = transition(canaryMachine, restoreCanary(facts), { type: 'OBSERVE', obs });
  const emitted = new Set([
    'stepCompleted',
    'paused',
    'resumed',
    'aborted',
    'analysisFailed',
    'retried',
    'completed',
  ]);
  return {
    state: next.value,
    context: next.context,
    emits: actions
      .filter((a) => emitted.has(a.type))
      .map(
        (a) => ({ type: a.type, params: (a.params ?? {}) as Record<string, never> }) as CanaryEmit,
      ),
  };
}
