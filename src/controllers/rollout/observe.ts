// Observe: everything a pass needs, read from informer caches; the few kinds that are not cached
// (a workloadRef Deployment, pods during a restart) are read on demand.
import type {
  KubeConfig,
  KubernetesObject,
  V1Deployment,
  V1ObjectMeta,
  V1Pod,
  V1ReplicaSet,
  V1Service,
} from '@kubernetes/client-node';

import type { AnalysisRun, AnalysisTemplate } from '../../api/analysis.js';
import type { Rollout } from '../../api/rollout.js';
import { AnalysisLabel, type RunFacts } from '../../decide/analysis/rollout-analysis.js';
import { podTemplateHashLabel } from '../../decide/hash.js';
import { managedByAnnotation, type ServiceFacts } from '../../decide/plan-common.js';
import type { ReplicaSetFacts, RolloutFacts } from '../../decide/rollout-plan.js';
import type { PodFacts } from '../../decide/restart.js';
import type { WorkloadFacts } from '../../decide/workload-ref.js';
import type { Informer } from '../../kube/informer.js';
import { rawRequest, resourcePath } from '../../kube/raw.js';
import { isNotFoundError } from '../../kube/rollout-io.js';
import type { TrafficRouter } from '../../traffic/router.js';

/** Argo's revision annotation on ReplicaSets. */
export const revisionAnnotation = 'rollout.argoproj.io/revision';
/** When an old ReplicaSet may be scaled down (RFC 3339), so a restart keeps the delay. */
export const scaleDownDeadlineAnnotation = 'scale-down-deadline';

/** ReplicaSets controlled by the Rollout (by owner uid). */
export function ownedReplicaSets(
  rollout: Rollout,
  replicaSets: Informer<V1ReplicaSet>,
): V1ReplicaSet[] {
  return replicaSets
    .list(rollout.metadata.namespace)
    .filter((rs) =>
      rs.metadata?.ownerReferences?.some((o) => o.controller && o.uid === rollout.metadata.uid),
    );
}

/** What the planner needs to know about one ReplicaSet. */
export function replicaSetFacts(rs: V1ReplicaSet): ReplicaSetFacts {
  return {
    ...identity(rs.metadata ?? {}),
    ...sizes(rs),
    template: (rs.spec?.template ?? {}) as Record<string, unknown>,
  };
}

function identity(
  meta: V1ObjectMeta,
): Pick<ReplicaSetFacts, 'name' | 'podHash' | 'revision' | 'scaleDownDeadline'> {
  const annotations = meta.annotations ?? {};
  const deadline = annotations[scaleDownDeadlineAnnotation];
  return {
    name: meta.name ?? '',
    podHash: (meta.labels ?? {})[podTemplateHashLabel] ?? '',
    revision: Number(annotations[revisionAnnotation] ?? 0),
    scaleDownDeadline: deadline ? Date.parse(deadline) : undefined,
  };
}

function sizes(
  rs: V1ReplicaSet,
): Pick<
  ReplicaSetFacts,
  'specReplicas' | 'replicas' | 'readyReplicas' | 'availableReplicas' | 'observed'
> {
  const status = rs.status ?? { replicas: 0 };
  return {
    specReplicas: rs.spec?.replicas ?? 0,
    replicas: status.replicas,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
    observed: (status.observedGeneration ?? 0) >= (rs.metadata?.generation ?? 0),
  };
}

/** The Deployment a workloadRef names, read from the API server (undefined when absent or not a Deployment). */
export async function observeWorkload(
  kc: KubeConfig,
  rollout: Rollout,
): Promise<WorkloadFacts | undefined> {
  const ref = rollout.spec.workloadRef;
  if (ref?.kind !== 'Deployment' || ref.apiVersion !== 'apps/v1' || !ref.name) return undefined;
  const path = resourcePath({
    apiVersion: 'apps/v1',
    plural: 'deployments',
    namespace: rollout.metadata.namespace,
    name: ref.name,
  });
  try {
    return workloadFacts(ref.name, await rawRequest<V1Deployment>(kc, { method: 'GET', path }));
  } catch (err) {
    if (isNotFoundError(err)) return undefined;
    throw err;
  }
}

function workloadFacts(name: string, d: V1Deployment): WorkloadFacts {
  const spec = d.spec ?? { selector: {}, template: {} };
  return {
    name,
    generation: d.metadata?.generation ?? 0,
    replicas: spec.replicas ?? 1,
    selector: spec.selector as Record<string, unknown>,
    template: spec.template as Record<string, unknown>,
  };
}

/** The Rollout's pods, listed from the API server only while a restart is pending. */
export async function observePods(kc: KubeConfig, rollout: Rollout): Promise<PodFacts[]> {
  const labels = Object.entries(rollout.spec.selector?.matchLabels ?? {}).map(
    ([k, v]) => `${k}=${v}`,
  );
  const path = `${resourcePath({ apiVersion: 'v1', plural: 'pods', namespace: rollout.metadata.namespace })}?labelSelector=${encodeURIComponent(labels.join(','))}`;
  const list = await rawRequest<{ items: V1Pod[] }>(kc, { method: 'GET', path });
  return list.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => ({
      name: p.metadata?.name ?? '',
      created: Date.parse(String(p.metadata?.creationTimestamp ?? '')),
    }));
}

/** The Services a Rollout's strategy steers, by name. */
export function steeredServices(rollout: Rollout): string[] {
  const { canary, blueGreen } = rollout.spec.strategy ?? {};
  return [
    canary?.canaryService,
    canary?.stableService,
    blueGreen?.activeService,
    blueGreen?.previewService,
  ].filter((name): name is string => Boolean(name));
}

/** The steered Services as cached; a missing one has no entry. */
function observeServices(
  rollout: Rollout,
  services: Informer<V1Service>,
): Record<string, ServiceFacts> {
  const out: Record<string, ServiceFacts> = {};
  for (const name of steeredServices(rollout)) {
    const svc = services.get(rollout.metadata.namespace, name);
    if (!svc) continue;
    out[name] = {
      selectorHash: svc.spec?.selector?.[podTemplateHashLabel],
      managedBy: svc.metadata?.annotations?.[managedByAnnotation],
    };
  }
  return out;
}

/** The informers a pass reads from. */
export interface ObserveCaches {
  readonly replicaSets: Informer<V1ReplicaSet>;
  readonly services: Informer<V1Service>;
  readonly analysis?: AnalysisCaches | undefined;
}

/** Caches of the analysis kinds the Rollout controller reads. */
export interface AnalysisCaches {
  readonly runs: Informer<AnalysisRun & KubernetesObject>;
  readonly templates: Informer<AnalysisTemplate & KubernetesObject>;
  readonly clusterTemplates: Informer<AnalysisTemplate & KubernetesObject>;
}

/** The namespace's AnalysisRuns, the Rollout's own (by owner uid) marked as such. */
function observeRuns(rollout: Rollout, caches: AnalysisCaches): RunFacts[] {
  return caches.runs.list(rollout.metadata.namespace).map((run) => ({
    owned: run.metadata.ownerReferences?.some((o) => isOwner(o, rollout)) === true,
    name: run.metadata.name,
    kind: run.metadata.labels?.[AnalysisLabel.type],
    podHash: run.metadata.labels?.[podTemplateHashLabel],
    stepIndex: run.metadata.labels?.[AnalysisLabel.stepIndex],
    phase: run.status?.phase,
    message: run.status?.message,
    terminate: run.spec.terminate === true,
    created: Date.parse(String(run.metadata.creationTimestamp ?? '')) || 0,
  }));
}

function isOwner(owner: unknown, rollout: Rollout): boolean {
  return (owner as { uid?: string }).uid === rollout.metadata.uid;
}

/** Looks up the templates a Rollout names in the caches. */
function templateLookup(rollout: Rollout, caches: AnalysisCaches) {
  return (name: string, clusterScope: boolean): AnalysisTemplate | undefined =>
    clusterScope
      ? caches.clusterTemplates.get(undefined, name)
      : caches.templates.get(rollout.metadata.namespace, name);
}

/** Builds the facts of one pass. */
export async function observeRollout(
  rollout: Rollout & KubernetesObject,
  caches: ObserveCaches,
  router: TrafficRouter | undefined,
  now: number,
): Promise<RolloutFacts> {
  return {
    rollout,
    replicaSets: ownedReplicaSets(rollout, caches.replicaSets).map(replicaSetFacts),
    services: observeServices(rollout, caches.services),
    ...(caches.analysis
      ? {
          runs: observeRuns(rollout, caches.analysis),
          template: templateLookup(rollout, caches.analysis),
        }
      : {}),
    now,
    routed: router !== undefined,
    actualWeight: await router?.readWeight(rollout),
    routeHosts: await router?.readRouteHosts(rollout),
  };
}
