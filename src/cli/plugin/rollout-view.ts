// Reads what the views show: a Rollout with the ReplicaSets, Pods, AnalysisRuns and Jobs it owns,
// or a list of Rollouts. Lists are narrowed by the Rollout's selector and then by owner, so a
// neighbour with the same labels never shows up in the tree.
import type { V1Job, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

import type { AnalysisRun } from '../../api/analysis.js';
import type { Rollout } from '../../api/rollout.js';
import { KubeRequestError, rawRequest, resourcePath, type ResourceRef } from '../../kube/raw.js';
import { UserError } from '../run.js';
import { explain, getRollout, type Session } from './context.js';
import type { RolloutView } from './rollout-info.js';

const argo = 'argoproj.io/v1alpha1';

/** Label whose value ties a metric's Job to its AnalysisRun. */
const runUidLabel = 'analysisrun.argoproj.io/uid';

interface Owned {
  readonly metadata?: { readonly ownerReferences?: readonly unknown[] | undefined } | undefined;
}

async function list<T>(s: Session, ref: ResourceRef, selector?: string): Promise<T[]> {
  const query = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
  try {
    const answer = await rawRequest<{ items?: T[] }>(s.kc, {
      method: 'GET',
      path: resourcePath(ref) + query,
    });
    return answer.items ?? [];
  } catch (err) {
    // A list answers 404 only when the kind is unknown (no AnalysisRun CRD): nothing to show.
    if (err instanceof KubeRequestError && err.statusCode === 404) return [];
    throw explain(err, undefined, s.kc);
  }
}

/** matchLabels as a label selector; expressions are left to the owner filter. */
function selectorOf(rollout: Rollout): string | undefined {
  const labels = rollout.spec.selector?.matchLabels;
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function ownedBy<T extends Owned>(items: readonly T[], owners: ReadonlySet<string>): T[] {
  return items.filter((i) =>
    i.metadata?.ownerReferences?.some((o) => owners.has((o as { uid?: string }).uid ?? '')),
  );
}

/** The Rollout and everything its tree shows. */
export async function loadRolloutView(s: Session, name: string): Promise<RolloutView> {
  const rollout = await getRollout(s, name);
  const namespace = s.namespace;
  const selector = selectorOf(rollout);
  const rolloutUid = new Set(rollout.metadata.uid ? [rollout.metadata.uid] : []);
  const [allReplicaSets, allPods, allRuns] = await Promise.all([
    list<V1ReplicaSet>(s, { apiVersion: 'apps/v1', plural: 'replicasets', namespace }, selector),
    list<V1Pod>(s, { apiVersion: 'v1', plural: 'pods', namespace }, selector),
    list<AnalysisRun>(s, { apiVersion: argo, plural: 'analysisruns', namespace }),
  ]);
  const replicaSets = ownedBy(allReplicaSets, rolloutUid);
  const rsUids = new Set(replicaSets.map((rs) => rs.metadata?.uid ?? ''));
  const analysisRuns = ownedBy(allRuns, rolloutUid);
  const runUids = new Set(analysisRuns.map((r) => r.metadata.uid ?? ''));
  const jobs =
    analysisRuns.length === 0
      ? []
      : (
          await list<V1Job>(s, { apiVersion: 'batch/v1', plural: 'jobs', namespace }, runUidLabel)
        ).filter((j) => runUids.has(j.metadata?.labels?.[runUidLabel] ?? ''));
  return { rollout, replicaSets, pods: ownedBy(allPods, rsUids), analysisRuns, jobs };
}

/** The Rollouts of the session's namespace, or of every namespace with -A. */
export async function listRollouts(s: Session): Promise<Rollout[]> {
  const namespace = s.allNamespaces ? undefined : s.namespace;
  try {
    const answer = await rawRequest<{ items?: Rollout[] }>(s.kc, {
      method: 'GET',
      path: resourcePath({ apiVersion: argo, plural: 'rollouts', namespace }),
    });
    return answer.items ?? [];
  } catch (err) {
    // The collection itself missing means the kind is unknown to this API server.
    if (err instanceof KubeRequestError && err.statusCode === 404)
      throw new UserError(`the Rollout kind (${argo}) is not installed in this cluster`);
    throw explain(err, undefined, s.kc);
  }
}
