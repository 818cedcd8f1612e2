// The one interface every metric provider implements. A provider takes one measurement and
// reports what it saw; it never decides a metric's phase from conditions (that is pure code in
// src/decide) and never throws: a failed query is an `error` outcome, which the run counts
// against consecutiveErrorLimit.
import type { Measurement, Metric } from '../api/analysis.js';

/** One measurement to take. Args are already substituted into the metric. */
export interface MeasureRequest {
  /** The metric with `{{args.*}}` replaced (secret values included: never log it). */
  readonly metric: Metric;
  /** Namespace of the AnalysisRun (Jobs are created there). */
  readonly namespace: string;
  /** The AnalysisRun, for naming and owning what a provider creates. */
  readonly run: { readonly name: string; readonly uid: string };
  /** 1-based number of this measurement within the metric (part of a Job's name). */
  readonly index: number;
  /** A measurement still Running from an earlier pass (a Job), to resume rather than restart. */
  readonly inProgress?: Measurement | undefined;
}

/** What one measurement produced. */
export type MeasureOutcome =
  /** A value for the conditions to judge: a number, an array of numbers, or JSON data. */
  | {
      readonly kind: 'value';
      readonly value: unknown;
      /** The value as status shows it, e.g. "0.97" or "[0.97,0.95]". */
      readonly display: string;
      /** True when the query returned no samples at all (an empty vector). */
      readonly empty?: boolean;
      readonly metadata?: Readonly<Record<string, string>>;
    }
  /** The provider itself decides (a Job succeeded, failed, or is still running). */
  | {
      readonly kind: 'phase';
      readonly phase: 'Successful' | 'Failed' | 'Running';
      readonly message?: string;
      readonly metadata?: Readonly<Record<string, string>>;
      /** For Running: when to look again. */
      readonly resumeAfterMs?: number;
    }
  /** The measurement could not be taken (unreachable, timeout, bad response). */
  | { readonly kind: 'error'; readonly message: string };

/** Takes measurements of one provider type. */
export interface MetricProvider {
  readonly type: 'prometheus' | 'web' | 'job';
  /** Takes one measurement; never throws. */
  measure(req: MeasureRequest): Promise<MeasureOutcome>;
  /** Stops a measurement still running when its run ends (deletes a Job); never throws. */
  terminate?(req: MeasureRequest): Promise<void>;
}
