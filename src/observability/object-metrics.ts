// Per-object metric families (Rollouts, AnalysisRuns) with Argo Rollouts' names, labels and help
// texts, so dashboards and alerts written for Argo read ramp unchanged.
//
// The gauges are rebuilt from a snapshot map on every scrape (as Argo's collectors list the
// informer cache on Collect) rather than set incrementally: a phase change then cannot leave the
// old phase's `*_info` series behind, and forgetting an object is one map delete.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import { ConditionType, Phase, Reason } from '../api/conditions.js';
import { ObjectCap, objectKey } from './series-cap.js';

/** Argo's reconcile histogram buckets (seconds), kept so Argo dashboards' bucket queries match. */
export const reconcileBuckets: readonly number[] = [0.01, 0.15, 0.25, 0.5, 1];

/** The phases `rollout_phase` reports one-hot, in Argo's order (InvalidSpec only shows in rollout_info). */
export const rolloutMetricPhases = [
  'Completed',
  'Progressing',
  'Paused',
  'Timeout',
  'Error',
  'Abort',
] as const;

/** Argo's reconcile phase of a Rollout as its metrics label it. */
export type RolloutMetricPhase = (typeof rolloutMetricPhases)[number] | 'InvalidSpec';

/** The phases `analysis_run_phase` and `analysis_run_metric_phase` report one-hot (Argo's order). */
export const analysisMetricPhases = [
  'Pending',
  'Error',
  'Failed',
  'Successful',
  'Running',
  'Inconclusive',
] as const;

/** A Rollout as the controller last saw it. */
export interface RolloutSnapshot {
  readonly namespace: string;
  readonly name: string;
  readonly strategy: 'canary' | 'blueGreen';
  /** status.phase (Healthy, Progressing, Paused, Degraded); used only when `conditions` is absent. */
  readonly phase: string;
  readonly replicas: {
    readonly desired: number;
    readonly available: number;
    readonly updated: number;
    readonly unavailable: number;
  };
  /** status.conditions: with them the phase label is computed exactly as Argo computes it. */
  readonly conditions?: readonly { readonly type: string; readonly reason?: string }[];
  /** Argo's traffic_router label (ALB, Istio, Nginx, SMI, …); empty for none. */
  readonly trafficRouter?: string;
}

/** An AnalysisRun as the controller last saw it. */
export interface AnalysisRunSnapshot {
  readonly namespace: string;
  readonly name: string;
  readonly phase: string;
  readonly metrics: readonly {
    readonly name: string;
    readonly type: string;
    readonly phase: string;
    readonly dryRun?: boolean;
  }[];
}

const progressingReasonPhase: Readonly<Record<string, RolloutMetricPhase>> = {
  [Reason.NewReplicaSetAvailable]: 'Completed',
  [Reason.RolloutPaused]: 'Paused',
  [Reason.FailedRSCreate]: 'Error',
  [Reason.ProgressDeadlineExceeded]: 'Timeout',
  [Reason.RolloutAborted]: 'Abort',
};

// Without conditions only status.phase is known; Degraded is most often an abort (failed analysis).
const statusPhaseFallback: Readonly<Record<string, RolloutMetricPhase>> = {
  [Phase.Healthy]: 'Completed',
  [Phase.Paused]: 'Paused',
  [Phase.Degraded]: 'Abort',
};

/** Argo's calculatePhase: the Progressing condition's reason decides, an InvalidSpec condition wins. */
export function rolloutMetricPhase(
  r: Pick<RolloutSnapshot, 'phase' | 'conditions'>,
): RolloutMetricPhase {
  if (r.conditions === undefined) return statusPhaseFallback[r.phase] ?? 'Progressing';
  if (r.conditions.some((c) => c.type === ConditionType.InvalidSpec)) return 'InvalidSpec';
  const reason = r.conditions.find((c) => c.type === ConditionType.Progressing)?.reason ?? '';
  return progressingReasonPhase[reason] ?? 'Progressing';
}

type Labels = Record<string, string>;
type Emit = (labels: Labels, value: number) => void;

/** Reconcile timing and errors plus snapshot gauges for one kind of object, under one cap. */
export class ObjectFamily<S extends { readonly namespace: string; readonly name: string }> {
  private readonly state = new Map<string, S>();
  private readonly reconcile: Histogram<string>;
  private readonly errors: Counter<string>;

  constructor(
    private readonly registry: Registry,
    private readonly cap: ObjectCap,
    names: {
      readonly reconcile: string;
      readonly reconcileHelp: string;
      readonly errorHelp: string;
    },
  ) {
    this.reconcile = new Histogram({
      name: names.reconcile,
      help: names.reconcileHelp,
      labelNames: ['namespace', 'name'],
      buckets: [...reconcileBuckets],
      registers: [registry],
    });
    this.errors = new Counter({
      name: `${names.reconcile}_error`,
      help: names.errorHelp,
      labelNames: ['namespace', 'name'],
      registers: [registry],
    });
  }

  /** Adds a gauge whose series are rebuilt from the snapshots at each scrape. */
  gauge(
    name: string,
    help: string,
    labelNames: readonly string[],
    fill: (emit: Emit, s: S) => void,
  ): void {
    const state = this.state;
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect(this: Gauge<string>) {
        this.reset();
        const emit: Emit = (labels, value) => this.set(labels, value);
        for (const s of state.values()) fill(emit, s);
      },
    });
  }

  /** Stores the object's latest snapshot, unless the cap refuses a new object. */
  set(snapshot: S): void {
    const key = objectKey(snapshot.namespace, snapshot.name);
    if (this.cap.admit(key, true)) this.state.set(key, snapshot);
  }

  /** Records one reconcile pass; the error counter starts at 0 so the first error shows in increase(). */
  observe(namespace: string, name: string, seconds: number, error: boolean): void {
    if (!this.cap.admit(objectKey(namespace, name), false)) return;
    const labels = { namespace, name };
    // A bad clock reading must not throw out of the controller's reconcile loop.
    if (Number.isFinite(seconds)) this.reconcile.observe(labels, Math.max(0, seconds));
    this.errors.inc(labels, error ? 1 : 0);
  }

  /** Removes every series of the object and frees its place under the cap. */
  forget(namespace: string, name: string): void {
    const key = objectKey(namespace, name);
    this.state.delete(key);
    this.cap.release(key);
    this.reconcile.remove({ namespace, name });
    this.errors.remove({ namespace, name });
  }
}

const oneHot = (actual: string, phase: string): number => (actual === phase ? 1 : 0);

/** Registers the Rollout family: rollout_info, rollout_info_replicas_*, rollout_phase, reconcile. */
export function rolloutFamily(registry: Registry, cap: ObjectCap): ObjectFamily<RolloutSnapshot> {
  const family = new ObjectFamily<RolloutSnapshot>(registry, cap, {
    reconcile: 'rollout_reconcile',
    reconcileHelp: 'Rollout reconciliation performance.',
    errorHelp: 'Error occurring during the rollout',
  });
  const id = (r: RolloutSnapshot): Labels => ({ namespace: r.namespace, name: r.name });
  const infoLabels = ['namespace', 'name', 'strategy', 'traffic_router', 'phase'];
  family.gauge('rollout_info', 'Information about rollout.', infoLabels, (emit, r) =>
    emit(
      {
        ...id(r),
        strategy: r.strategy,
        traffic_router: r.trafficRouter ?? '',
        phase: rolloutMetricPhase(r),
      },
      1,
    ),
  );
  for (const field of ['available', 'unavailable', 'desired', 'updated'] as const) {
    family.gauge(
      `rollout_info_replicas_${field}`,
      `The number of ${field} replicas per rollout.`,
      ['namespace', 'name'],
      (emit, r) => emit(id(r), r.replicas[field]),
    );
  }
  family.gauge(
    'rollout_phase',
    'Information on the state of the rollout (DEPRECATED - use rollout_info)',
    ['namespace', 'name', 'strategy', 'phase'],
    (emit, r) => {
      const actual = rolloutMetricPhase(r);
      for (const phase of rolloutMetricPhases)
        emit({ ...id(r), strategy: r.strategy, phase }, oneHot(actual, phase));
    },
  );
  return family;
}

/** Registers the AnalysisRun family: analysis_run_info, _phase, _metric_type, _metric_phase, reconcile. */
export function analysisRunFamily(
  registry: Registry,
  cap: ObjectCap,
): ObjectFamily<AnalysisRunSnapshot> {
  const family = new ObjectFamily<AnalysisRunSnapshot>(registry, cap, {
    reconcile: 'analysis_run_reconcile',
    reconcileHelp: 'Analysis Run reconciliation performance.',
    errorHelp: 'Error occurring during the analysis run',
  });
  const id = (r: AnalysisRunSnapshot): Labels => ({ namespace: r.namespace, name: r.name });
  // Argo counts a run or metric with no phase yet as Pending.
  const phaseOf = (phase: string): string => (phase === '' ? 'Pending' : phase);
  family.gauge(
    'analysis_run_info',
    'Information about analysis run.',
    ['namespace', 'name', 'phase'],
    (emit, r) => emit({ ...id(r), phase: r.phase }, 1),
  );
  family.gauge(
    'analysis_run_phase',
    'Information on the state of the Analysis Run (DEPRECATED - use analysis_run_info)',
    ['namespace', 'name', 'phase'],
    (emit, r) => {
      for (const phase of analysisMetricPhases)
        emit({ ...id(r), phase }, oneHot(phaseOf(r.phase), phase));
    },
  );
  family.gauge(
    'analysis_run_metric_type',
    'Information on the type of a specific metric in the Analysis Runs',
    ['namespace', 'name', 'metric', 'type'],
    (emit, r) => {
      for (const m of r.metrics) emit({ ...id(r), metric: m.name, type: m.type }, 1);
    },
  );
  family.gauge(
    'analysis_run_metric_phase',
    'Information on the duration of a specific metric in the Analysis Run',
    ['namespace', 'name', 'metric', 'type', 'dry_run', 'phase'],
    (emit, r) => {
      for (const m of r.metrics) {
        const labels = {
          ...id(r),
          metric: m.name,
          type: m.type,
          dry_run: String(m.dryRun ?? false),
        };
        for (const phase of analysisMetricPhases)
          emit({ ...labels, phase }, oneHot(phaseOf(m.phase), phase));
      }
    },
  );
  return family;
}
