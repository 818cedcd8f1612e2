// Every controller times its passes the same way: the Rollout and AnalysisRun ones per object for
// the *_reconcile histograms, the GitOps ones per kind for gitops_reconcile_duration_seconds.
import type { ReconcileResult } from '../kube/workqueue.js';
import type { ControllerMetrics, GitOpsKind } from '../observability/metrics.js';

type Pass = () => Promise<ReconcileResult | void>;

/** Runs one pass for a `namespace/name` key and records its duration and whether it threw. */
export async function timedPass(
  kind: 'rollout' | 'analysisrun',
  key: string,
  metrics: ControllerMetrics | undefined,
  pass: Pass,
): Promise<ReconcileResult | void> {
  const [namespace, name] = key.split('/') as [string, string];
  return timed(pass, (seconds, failed) =>
    metrics?.observeReconcile(kind, namespace, name, seconds, failed),
  );
}

/** Runs one pass of a GitRepository or GitSync and records its duration and whether it threw. */
export async function timedGitOpsPass(
  kind: GitOpsKind,
  metrics: ControllerMetrics | undefined,
  pass: Pass,
): Promise<ReconcileResult | void> {
  return timed(pass, (seconds, failed) => metrics?.observeGitOpsReconcile(kind, seconds, failed));
}

async function timed(
  pass: Pass,
  record: (seconds: number, failed: boolean) => void,
): Promise<ReconcileResult | void> {
  const started = performance.now();
  let failed = true;
  try {
    const result = await pass();
    failed = false;
    return result;
  } finally {
    record((performance.now() - started) / 1000, failed);
  }
}
