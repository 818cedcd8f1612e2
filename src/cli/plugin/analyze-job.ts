// A job metric measured once for `analyze --run-jobs`: the metric's Job is created, watched until
// it completes or fails, and deleted. The controller's job provider cannot be reused here: its
// Jobs are owned by an AnalysisRun, and a Job whose owner does not exist is deleted by the
// garbage collector at once. These Jobs have no owner and are removed by this command instead.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import type { V1Job } from '@kubernetes/client-node';

import type { Metric } from '../../api/analysis.js';
import type { MeasureOutcome } from '../../analysis/provider.js';
import { metricNameAnnotation } from '../../analysis/providers/job.js';
import { rawRequest, resourcePath } from '../../kube/raw.js';
import type { Session } from './context.js';

/** Label on the Jobs `analyze` runs, so leftovers of an interrupted run can be found. */
export const analyzeJobLabel = 'ramp.dev/analyze';

/** A Job name for one metric: recognisable, unique, at most 63 characters. */
export function analyzeJobName(metricName: string, suffix: string): string {
  const metric = metricName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const stem = `analyze-${metric}`.slice(0, 63 - suffix.length - 1).replace(/-+$/, '');
  return `${stem}-${suffix}`;
}

/** Runs the metric's Job to its end (or the timeout) and deletes it. */
export async function runJobMetric(
  s: Session,
  metric: Metric,
  timeoutMs: number,
): Promise<MeasureOutcome> {
  const spec = metric.provider.job;
  if (!spec) return { kind: 'error', message: 'metric has no job provider' };
  const name = analyzeJobName(metric.name, randomBytes(3).toString('hex'));
  const collection = resourcePath({
    apiVersion: 'batch/v1',
    plural: 'jobs',
    namespace: s.namespace,
  });
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: s.namespace,
      labels: { ...spec.metadata?.labels, [analyzeJobLabel]: 'true' },
      annotations: { ...spec.metadata?.annotations, [metricNameAnnotation]: metric.name },
    },
    spec: spec.spec,
  };
  try {
    await rawRequest(s.kc, { method: 'POST', path: collection, body: job });
  } catch (err) {
    return { kind: 'error', message: `cannot create Job ${name}: ${(err as Error).message}` };
  }
  try {
    return await waitForJob(s, `${collection}/${name}`, timeoutMs);
  } finally {
    await rawRequest(s.kc, {
      method: 'DELETE',
      path: `${collection}/${name}`,
      body: { propagationPolicy: 'Background' },
    }).catch(() => undefined);
  }
}

async function waitForJob(s: Session, path: string, timeoutMs: number): Promise<MeasureOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await rawRequest<V1Job>(s.kc, { method: 'GET', path }).catch(
      (err: unknown) => err as Error,
    );
    if (job instanceof Error) return { kind: 'error', message: `cannot read Job: ${job.message}` };
    const outcome = jobOutcome(job);
    if (outcome) return outcome;
    if (Date.now() > deadline)
      return { kind: 'error', message: `Job did not finish within ${timeoutMs / 1000}s` };
    await delay(1000);
  }
}

/** Successful or Failed from a finished Job's conditions; undefined while it runs. */
export function jobOutcome(job: V1Job): MeasureOutcome | undefined {
  const holds = (type: string) =>
    (job.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True');
  const failed = holds('Failed');
  if (failed)
    return {
      kind: 'phase',
      phase: 'Failed',
      message: failed.message ?? failed.reason ?? 'Job failed',
    };
  if (holds('Complete')) return { kind: 'phase', phase: 'Successful' };
  return undefined;
}
