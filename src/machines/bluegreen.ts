// The blue-green machine. It decides only how an update moves: bring up the preview stack, gate
// it (pre-promotion analysis, a pause for a person or for autoPromotionSeconds), promote (full
// size, then the active Service switches), check it (post-promotion analysis), and abort or
// retry. Like the canary machine it does no I/O and keeps no time: it is rebuilt from Rollout
// status on every pass and fed one OBSERVE event.
import { and, assign, not, or, setup, transition, type SnapshotFrom } from 'xstate';

/** An analysis gate's outcome as the machine needs it; `none` when no analysis is configured. */
export type AnalysisVerdict = 'none' | 'running' | 'successful' | 'failed' | 'inconclusive';

/** What the machine remembers between passes; all of it comes from status and spec. */
export interface BlueGreenContext {
  /** startTime of the BlueGreenPause pause condition, in ms. */
  readonly pauseStartedAt: number | undefined;
  /** autoPromotionEnabled (default true). */
  readonly autoPromotion: boolean;
  /** autoPromotionSeconds, honoured only while autoPromotion is on (as in Argo). */
  readonly autoPromotionSeconds: number | undefined;
  /** The pause is for an inconclusive analysis (InconclusiveAnalysisRun), not BlueGreenPause. */
  readonly inconclusive?: boolean | undefined;
}

/** What one reconcile pass saw. */
export interface BlueGreenObservation {
  readonly now: number;
  /** The new ReplicaSet is at its preview size and all of it is available. */
  readonly previewReady: boolean;
  /** The new ReplicaSet is at full size and available enough to take production traffic. */
  readonly newAvailable: boolean;
  /** The active Service already selects the new ReplicaSet's pods. */
  readonly activeOnNew: boolean;
  /** status.abort. */
  readonly abort: boolean;
  /** spec.paused. */
  readonly paused: boolean;
  /** A BlueGreenPause pause condition is in status (promote removes it). */
  readonly pauseConditionPresent: boolean;
  readonly prePromotion: AnalysisVerdict;
  readonly postPromotion: AnalysisVerdict;
}

/** The one event: a reconcile pass's observation. */
export type BlueGreenEvent = { type: 'OBSERVE'; obs: BlueGreenObservation };

/** Events the machine asks the controller to emit. */
export type BlueGreenEmit =
  'paused' | 'resumed' | 'aborted' | 'analysisFailed' | 'retried' | 'completed';

const obsOf = (event: BlueGreenEvent): BlueGreenObservation => event.obs;
const passed = (v: AnalysisVerdict): boolean => v === 'none' || v === 'successful';

/** The blue-green machine. */
export const blueGreenMachine = setup({
  types: {
    context: {} as BlueGreenContext,
    events: {} as BlueGreenEvent,
    input: {} as BlueGreenContext,
  },
  guards: {
    aborting: ({ event }) => obsOf(event).abort,
    notAborting: ({ event }) => !obsOf(event).abort,
    userPaused: ({ event }) => obsOf(event).paused,
    preFailed: ({ event }) => obsOf(event).prePromotion === 'failed',
    preInconclusive: ({ event }) => obsOf(event).prePromotion === 'inconclusive',
    postInconclusive: ({ event }) => obsOf(event).postPromotion === 'inconclusive',
    inconclusivePaused: ({ context }) => context.inconclusive === true,
    postFailed: ({ event }) => obsOf(event).postPromotion === 'failed',
    postPassed: ({ event }) => passed(obsOf(event).postPromotion),
    previewGated: ({ event }) => obsOf(event).previewReady && passed(obsOf(event).prePromotion),
    needsPause: ({ context }) => !context.autoPromotion || (context.autoPromotionSeconds ?? 0) > 0,
    pauseLifted: ({ event }) => !obsOf(event).pauseConditionPresent,
    autoPromotionDue: ({ context, event }) =>
      context.autoPromotion &&
      context.autoPromotionSeconds !== undefined &&
      context.pauseStartedAt !== undefined &&
      obsOf(event).now >= context.pauseStartedAt + context.autoPromotionSeconds * 1000,
    switched: ({ event }) => obsOf(event).newAvailable && obsOf(event).activeOnNew,
  },
  actions: {
    startPause: assign(({ event }) => ({ pauseStartedAt: obsOf(event).now })),
    startInconclusivePause: assign(({ event }) => ({
      pauseStartedAt: obsOf(event).now,
      inconclusive: true,
    })),
    endPause: assign(() => ({ pauseStartedAt: undefined })),
    paused: () => undefined,
    resumed: () => undefined,
    aborted: () => undefined,
    analysisFailed: () => undefined,
    retried: () => undefined,
    completed: () => undefined,
  },
}).createMachine({
  id: 'blueGreen',
  context: ({ input }) => input,
  initial: 'preview',
  states: {
    preview: {
      on: {
        OBSERVE: [
          { guard: 'aborting', target: 'aborted', actions: 'aborted' },
          { guard: 'preFailed', target: 'aborted', actions: ['analysisFailed', 'aborted'] },
          { guard: 'userPaused', target: 'preview' },
          // Inconclusive: wait for a person (promote goes on, abort stops), as Argo does.
          {
            guard: and(['preInconclusive', not('inconclusivePaused')]),
            target: 'preview',
            actions: ['startInconclusivePause', 'paused'],
          },
          {
            guard: and(['previewGated', 'needsPause']),
            target: 'paused',
            actions: ['startPause', 'paused'],
          },
          { guard: 'previewGated', target: 'promoting' },
        ],
      },
    },
    paused: {
      on: {
        OBSERVE: [
          { guard: 'aborting', target: 'aborted', actions: ['endPause', 'aborted'] },
          {
            guard: or(['pauseLifted', 'autoPromotionDue']),
            target: 'promoting',
            actions: ['endPause', 'resumed'],
          },
        ],
      },
    },
    promoting: {
      on: {
        OBSERVE: [
          { guard: 'aborting', target: 'aborted', actions: 'aborted' },
          { guard: 'switched', target: 'postPromotion' },
        ],
      },
    },
    postPromotion: {
      on: {
        OBSERVE: [
          { guard: 'aborting', target: 'aborted', actions: 'aborted' },
          { guard: 'postFailed', target: 'aborted', actions: ['analysisFailed', 'aborted'] },
          {
            guard: and(['postInconclusive', not('inconclusivePaused')]),
            target: 'postPromotion',
            actions: ['startInconclusivePause', 'paused'],
          },
          { guard: 'postPassed', target: 'completed', actions: 'completed' },
        ],
      },
    },
    completed: { type: 'final' },
    aborted: {
      on: {
        OBSERVE: [{ guard: 'notAborting', target: 'preview', actions: 'retried' }],
      },
    },
  },
});

/** The machine's state names. */
export type BlueGreenState =
  'preview' | 'paused' | 'promoting' | 'postPromotion' | 'completed' | 'aborted';

/** The facts of status the machine is restored from. */
export interface BlueGreenStatusFacts {
  readonly context: BlueGreenContext;
  /** status.abortedAt present: an abort was already carried out. */
  readonly abortHandled: boolean;
  /** A BlueGreenPause pause condition is in status. */
  readonly pauseConditionPresent: boolean;
  /** status.controllerPause: with no pause condition left, a person promoted. */
  readonly controllerPause: boolean;
  /** status.blueGreen.scaleUpPreviewCheckPoint: promotion had started. */
  readonly promotionStarted: boolean;
  /** status.blueGreen.activeSelector is the new ReplicaSet's hash. */
  readonly activeOnNew: boolean;
  /** An InconclusiveAnalysisRun pause condition is in status. */
  readonly inconclusivePause?: boolean | undefined;
}

/** Rebuilds the machine snapshot from Rollout status: status is the durable truth. */
export function restoreBlueGreen(
  facts: BlueGreenStatusFacts,
): SnapshotFrom<typeof blueGreenMachine> {
  return blueGreenMachine.resolveState({ value: restoredState(facts), context: facts.context });
}

function restoredState(facts: BlueGreenStatusFacts): BlueGreenState {
  if (facts.abortHandled) return 'aborted';
  if (facts.promotionStarted) return facts.activeOnNew ? 'postPromotion' : 'promoting';
  if (facts.inconclusivePause) return 'preview';
  if (facts.pauseConditionPresent || facts.controllerPause) return 'paused';
  return 'preview';
}

/** The outcome of one pass: the next state, its context, and the events to emit. */
export interface BlueGreenDecision {
  readonly state: BlueGreenState;
  readonly context: BlueGreenContext;
  readonly emits: readonly BlueGreenEmit[];
}

const emitted = new Set<string>([
  'paused',
  'resumed',
  'aborted',
  'analysisFailed',
  'retried',
  'completed',
]);

/** One pure step of the machine from restored status and a pass's observation. */
export function decideBlueGreen(
  facts: BlueGreenStatusFacts,
  obs: BlueGreenObservation,
): BlueGreenDecision {
  const [next, actions] = transition(blueGreenMachine, restoreBlueGreen(facts), {
    type: 'OBSERVE',
    obs,
  });
  return {
    state: next.value,
    context: next.context,
    emits: actions.map((a) => a.type).filter((t): t is BlueGreenEmit => emitted.has(t)),
  };
}
