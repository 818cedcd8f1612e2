// Metrics of the GitOps kinds (GitRepository, GitSync). gitops_condition follows Flux's
// gotk_reconcile_condition (kind, namespace, name, type, status) plus the reason, so an alert can
// tell a Degraded workload from one still Progressing; only Ready and Healthy are exported, the
// two conditions an SRE alerts on. Reconcile timing and errors are per kind, not per object: one
// series per GitSync in a histogram would cost more than it tells.
//
// Like the Rollout family, the per-object gauges are rebuilt from a snapshot map at each scrape,
// so a changed condition cannot leave its old series (a stale 1) behind.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import { GitOpsConditionType } from '../api/gitops-conditions.js';
import { ObjectCap, objectKey } from './series-cap.js';

/** The GitOps kinds with metrics. */
export type GitOpsKind = 'GitRepository' | 'GitSync';

/** Both kinds, in the order their counters are initialised. */
export const gitopsKinds: readonly GitOpsKind[] = ['GitRepository', 'GitSync'];

/** A GitRepository or GitSync as its last pass left it. */
export interface GitOpsSnapshot {
  readonly kind: GitOpsKind;
  readonly namespace: string;
  readonly name: string;
  readonly conditions: readonly {
    readonly type: string;
    readonly status: string;
    readonly reason: string;
  }[];
  readonly suspended: boolean;
}

/** The GitOps metric family: per-object gauges under a cap, per-kind timing. */
export interface GitOpsMetrics {
  /** Stores the object's conditions and suspend flag (refused past the cap). */
  set(s: GitOpsSnapshot): void;
  /** Drops every series of the object and frees its place under the cap. */
  forget(kind: GitOpsKind, namespace: string, name: string): void;
  /** One pass of an object of `kind` took `seconds`; `error` when it threw. */
  observe(kind: GitOpsKind, seconds: number, error: boolean): void;
}

/**
 * Seconds: a GitOps pass runs git and applies whole directories, so it is slower than a Rollout
 * pass; the buckets reach from a cached no-op to a fetch near its timeout.
 */
export const gitopsReconcileBuckets: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

const exportedTypes: ReadonlySet<string> = new Set([
  GitOpsConditionType.Ready,
  GitOpsConditionType.Healthy,
]);

type Emit = (labels: Record<string, string>, value: number) => void;

/** Registers gitops_condition, gitops_suspended and the per-kind reconcile metrics. */
export function gitopsMetrics(registry: Registry, cap: ObjectCap): GitOpsMetrics {
  const state = new Map<string, GitOpsSnapshot>();
  snapshotGauge(registry, state, {
    name: 'gitops_condition',
    help: 'The current status and reason of the Ready and Healthy conditions of a GitOps object (1 per object and condition type).',
    labelNames: ['kind', 'namespace', 'name', 'type', 'status', 'reason'],
    fill: (emit, s) => {
      for (const c of s.conditions)
        if (exportedTypes.has(c.type))
          emit({ ...idOf(s), type: c.type, status: c.status, reason: c.reason }, 1);
    },
  });
  snapshotGauge(registry, state, {
    name: 'gitops_suspended',
    help: 'Whether reconciliation of a GitOps object is suspended (spec.suspend).',
    labelNames: ['kind', 'namespace', 'name'],
    fill: (emit, s) => emit(idOf(s), s.suspended ? 1 : 0),
  });
  const observe = reconcileMetrics(registry);
  return {
    set: (s) => {
      const key = stateKey(s.kind, s.namespace, s.name);
      if (cap.admit(key, true)) state.set(key, s);
    },
    forget: (kind, namespace, name) => {
      const key = stateKey(kind, namespace, name);
      state.delete(key);
      cap.release(key);
    },
    observe,
  };
}

function idOf(s: GitOpsSnapshot): Record<string, string> {
  return { kind: s.kind, namespace: s.namespace, name: s.name };
}

function stateKey(kind: GitOpsKind, namespace: string, name: string): string {
  return `${kind}/${objectKey(namespace, name)}`;
}

/** A gauge whose series are rebuilt from the snapshots at each scrape. */
function snapshotGauge(
  registry: Registry,
  state: ReadonlyMap<string, GitOpsSnapshot>,
  g: {
    name: string;
    help: string;
    labelNames: string[];
    fill: (emit: Emit, s: GitOpsSnapshot) => void;
  },
): void {
  new Gauge({
    name: g.name,
    help: g.help,
    labelNames: g.labelNames,
    registers: [registry],
    collect(this: Gauge<string>) {
      this.reset();
      const emit: Emit = (labels, value) => this.set(labels, value);
      for (const s of state.values()) g.fill(emit, s);
    },
  });
}

/** gitops_reconcile_duration_seconds and gitops_reconcile_errors_total, both by kind only. */
function reconcileMetrics(registry: Registry): GitOpsMetrics['observe'] {
  const duration = new Histogram({
    name: 'gitops_reconcile_duration_seconds',
    help: 'How long a reconcile pass of a GitRepository or GitSync took.',
    labelNames: ['kind'],
    buckets: [...gitopsReconcileBuckets],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'gitops_reconcile_errors_total',
    help: 'Reconcile passes of a GitRepository or GitSync that threw (retried with backoff).',
    labelNames: ['kind'],
    registers: [registry],
  });
  // Present from the start, so rate() and increase() see the first pass and the first error.
  for (const kind of gitopsKinds) {
    duration.zero({ kind });
    errors.inc({ kind }, 0);
  }
  return (kind, seconds, error) => {
    // A bad clock reading must not throw out of the controller's reconcile loop.
    if (Number.isFinite(seconds)) duration.observe({ kind }, Math.max(0, seconds));
    if (error) errors.inc({ kind });
  };
}
