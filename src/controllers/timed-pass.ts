// Both controllers time their passes the same way for the *_reconcile histograms.
import type { ReconcileResult } from '../kube/workqueue.js';
import type { ControllerMetrics } from '../observability/metrics.js';

/** Runs one pass for a `namespace/name` key and records its duration and whether it threw. */
export async function timedPass(
  kind: 'rollout' | 'analysisrun',
  key: string,
  metrics: ControllerMetrics | undefined,
  pass: () => Promise<ReconcileResult | void>,
): Promise<ReconcileResult | void> {
  const [namespace, name] = key.split('/') as [string, string];
  const started = performance.now();
  let failed = true;
  try {
    const result = await pass();
    failed = false;
    return result;
  } finally {
    metrics?.observeReconcile(kind, namespace, name, (performance.now() - started) / 1000, failed);
  }
}
