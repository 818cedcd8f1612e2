// The AnalysisRun's lifecycle: Pending until it starts, Running while metrics are measured, then
// one terminal phase. It decides only the run's phase from its metrics' phases (dry-run metrics
// excluded) and the terminate flag; scheduling and counting are pure functions in
// src/decide/analysis. Restored from status.phase on every pass, like the other machines.
import { setup, transition } from 'xstate';

/** The run's phases (Argo's spelling). */
export type RunPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

/** What one pass saw. */
export interface RunObservation {
  /** The spec cannot be run (bad condition, unknown provider, missing arg). */
  readonly invalid: boolean;
  /** spec.terminate. */
  readonly terminate: boolean;
  /** Phases of the metrics that count (dry-run metrics left out). */
  readonly metricPhases: readonly string[];
  /** Every metric, dry-run ones included, has finished (a run ends only then, unless failing). */
  readonly allMetricsDone?: boolean | undefined;
}

type RunEvent = { type: 'OBSERVE'; obs: RunObservation };
const has = (event: RunEvent, phase: string): boolean => event.obs.metricPhases.includes(phase);

/** The run machine. */
export const analysisRunMachine = setup({
  types: { events: {} as RunEvent },
  guards: {
    invalid: ({ event }) => event.obs.invalid,
    anyFailed: ({ event }) => has(event, 'Failed'),
    anyError: ({ event }) => has(event, 'Error'),
    anyInconclusive: ({ event }) => has(event, 'Inconclusive'),
    terminated: ({ event }) => event.obs.terminate,
    allSuccessful: ({ event }) =>
      event.obs.allMetricsDone !== false && event.obs.metricPhases.every((p) => p === 'Successful'),
  },
}).createMachine({
  id: 'analysisRun',
  initial: 'Pending',
  states: {
    Pending: { on: { OBSERVE: outcomes('Running') } },
    Running: { on: { OBSERVE: outcomes('Running') } },
    Successful: { type: 'final' },
    Failed: { type: 'final' },
    Error: { type: 'final' },
    Inconclusive: { type: 'final' },
  },
});

/** The transitions out of a live state: the worst metric outcome wins; terminate ends cleanly. */
function outcomes(otherwise: RunPhase) {
  return [
    { guard: 'invalid', target: 'Error' },
    { guard: 'anyFailed', target: 'Failed' },
    { guard: 'anyError', target: 'Error' },
    { guard: 'anyInconclusive', target: 'Inconclusive' },
    { guard: 'terminated', target: 'Successful' },
    { guard: 'allSuccessful', target: 'Successful' },
    { target: otherwise },
  ] as const;
}

/** The run's next phase from its current phase and a pass's observation. */
export function decideRunPhase(current: string | undefined, obs: RunObservation): RunPhase {
  const value = (
    ['Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive'].includes(current ?? '')
      ? current
      : 'Pending'
  ) as RunPhase;
  const [next] = transition(analysisRunMachine, analysisRunMachine.resolveState({ value }), {
    type: 'OBSERVE',
    obs,
  });
  return next.value;
}
