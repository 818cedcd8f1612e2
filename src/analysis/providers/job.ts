// The job provider: a measurement is a batch/v1 Job, Successful when it completes and Failed when
// it fails. The first call creates the Job and returns Running; the run resumes the measurement
// later and this provider reads the Job's conditions. Names, labels and annotations follow Argo so
// tooling that finds analysis Jobs by them keeps working.
import { createHash } from 'node:crypto';

import type { KubeConfig, V1Job, V1JobCondition } from '@kubernetes/client-node';

import { rawRequest, resourcePath } from '../../kube/raw.js';
import { createIfAbsent, isNotFoundError } from '../../kube/rollout-io.js';
import type { MeasureOutcome, MeasureRequest, MetricProvider } from '../provider.js';
import { oneLine, reason } from './text.js';

/** Measurement metadata key naming the Job (Argo's key). */
export const jobNameKey = 'job-name';
/** Measurement metadata key naming the Job's namespace (Argo's key). */
export const jobNamespaceKey = 'job-namespace';
/** Label on every analysis Job: the owning AnalysisRun's uid (Argo's key). */
export const analysisRunUidLabel = 'analysisrun.argoproj.io/uid';
/** Annotation on every analysis Job: the owning AnalysisRun's name (Argo's key). */
export const analysisRunNameAnnotation = 'analysisrun.argoproj.io/name';
/** Annotation on every analysis Job: the metric it measures (Argo's key). */
export const metricNameAnnotation = 'analysisrun.argoproj.io/metric-name';

/** How soon a Running Job is looked at again. */
const resumeAfterMs = 1000;

/** Longest Job name whose pods' `job-name` label (≤ 63 characters) still holds it in full. */
const maxNameLength = 63;

/** Creates the provider that answers `provider.job` metrics. */
export function createJobProvider(kc: KubeConfig): MetricProvider {
  return {
    type: 'job',
    measure: async (req) => {
      try {
        return req.inProgress ? await resume(kc, req) : await start(kc, req);
      } catch (err) {
        // Only a bug gets here (the API calls are caught where their context is known).
        return failed('job provider', err);
      }
    },
    terminate: async (req) => {
      const ref = jobRef(req);
      if (!ref) return;
      // Background propagation: the Job's pods go too, as `kubectl delete job` does.
      await rawRequest(kc, {
        method: 'DELETE',
        path: resourcePath({ apiVersion: 'batch/v1', plural: 'jobs', ...ref }),
        body: { propagationPolicy: 'Background' },
      }).catch(() => undefined);
    },
  };
}

/**
 * Argo's `<runUID>.<metric>.<count>`, lower-cased, with characters a name may not hold replaced,
 * and shortened to 63 characters by cutting the metric part and appending a hash of the full
 * metric name, so two long metric names sharing a prefix still get different Jobs.
 */
export function analysisJobName(runUid: string, metricName: string, index: number): string {
  const uid = segment(runUid);
  const metric = segment(metricName);
  const full = `${uid}.${metric}.${index}`;
  if (metric && full.length <= maxNameLength) return full;
  const hash = createHash('sha256').update(metricName).digest('hex').slice(0, 8);
  const room = maxNameLength - `${uid}..${index}`.length - hash.length - 1;
  const cut = segment(metric.slice(0, Math.max(room, 0)));
  return `${uid}.${cut ? `${cut}-` : ''}${hash}.${index}`;
}

/** One dot-separated part of a name: lower-case alphanumerics and dashes, alphanumeric at both ends. */
function segment(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

async function start(kc: KubeConfig, req: MeasureRequest): Promise<MeasureOutcome> {
  const spec = req.metric.provider.job;
  if (!spec) return { kind: 'error', message: 'metric has no job provider' };
  const name = analysisJobName(req.run.uid, req.metric.name, req.index);
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: req.namespace,
      labels: { ...spec.metadata?.labels, [analysisRunUidLabel]: req.run.uid },
      annotations: {
        ...spec.metadata?.annotations,
        [analysisRunNameAnnotation]: req.run.name,
        [metricNameAnnotation]: req.metric.name,
      },
      ownerReferences: [
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'AnalysisRun',
          name: req.run.name,
          uid: req.run.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: spec.spec,
  };
  try {
    // A retry after a lost answer finds the Job it created before: that is the same measurement.
    await createIfAbsent(kc, 'jobs', job);
  } catch (err) {
    return failed(`cannot create Job ${req.namespace}/${name}`, err);
  }
  return running({ [jobNameKey]: name, [jobNamespaceKey]: req.namespace });
}

async function resume(kc: KubeConfig, req: MeasureRequest): Promise<MeasureOutcome> {
  const ref = jobRef(req);
  if (!ref) return { kind: 'error', message: `the running measurement names no ${jobNameKey}` };
  const { name, namespace } = ref;
  const metadata = { [jobNameKey]: name, [jobNamespaceKey]: namespace };
  let job: V1Job | undefined;
  try {
    job = await readJob(kc, namespace, name);
  } catch (err) {
    return failed(`cannot read Job ${namespace}/${name}`, err);
  }
  if (!job) return { kind: 'error', message: `Job ${namespace}/${name} no longer exists` };
  return fromConditions(job.status?.conditions ?? [], metadata);
}

/** The Job a running measurement recorded; Argo's measurements carry the same two keys. */
function jobRef(req: MeasureRequest): { name: string; namespace: string } | undefined {
  const recorded = req.inProgress?.metadata ?? {};
  const name = recorded[jobNameKey];
  return name ? { name, namespace: recorded[jobNamespaceKey] ?? req.namespace } : undefined;
}

/** The Job, or undefined when it is gone (deleted by hand, or garbage-collected). */
async function readJob(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<V1Job | undefined> {
  try {
    const path = resourcePath({ apiVersion: 'batch/v1', plural: 'jobs', namespace, name });
    return await rawRequest<V1Job>(kc, { method: 'GET', path });
  } catch (err) {
    if (isNotFoundError(err)) return undefined;
    throw err;
  }
}

function fromConditions(
  conditions: readonly V1JobCondition[],
  metadata: Record<string, string>,
): MeasureOutcome {
  const holds = (type: string): V1JobCondition | undefined =>
    conditions.find((c) => c.type === type && c.status === 'True');
  const failed = holds('Failed');
  if (failed) {
    const message = oneLine(failed.message || failed.reason || 'Job failed');
    return { kind: 'phase', phase: 'Failed', message, metadata };
  }
  const complete = holds('Complete');
  if (complete) {
    const message = complete.message ? oneLine(complete.message) : undefined;
    return { kind: 'phase', phase: 'Successful', metadata, ...(message ? { message } : {}) };
  }
  return running(metadata);
}

function failed(what: string, err: unknown): MeasureOutcome {
  return { kind: 'error', message: oneLine(`${what}: ${reason(err)}`) };
}

function running(metadata: Record<string, string>): MeasureOutcome {
  return { kind: 'phase', phase: 'Running', metadata, resumeAfterMs };
}
