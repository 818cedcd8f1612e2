// dependsOn: a GitSync waits until the GitSyncs it depends on have applied their latest spec and
// revision and are Ready (and Healthy), as Flux Kustomizations do. Pure: the controller passes a
// lookup over its cache.
import type { GitOpsCondition, GitSync, GitSyncSpec } from '../../api/gitops.js';
import { GitOpsConditionType } from '../../api/gitops-conditions.js';

/** One entry of spec.dependsOn. */
export type GitSyncDependency = NonNullable<GitSyncSpec['dependsOn']>[number];

/** A GitSync's identity. */
export interface GitSyncKey {
  namespace: string;
  name: string;
}

/** Finds a GitSync by namespace and name. */
export type GitSyncLookup = (namespace: string, name: string) => GitSync | undefined;

/** Whether every dependency is ready, and if not, the first one that is not. */
export interface DependencyVerdict {
  ready: boolean;
  message: string;
}

/** Message when every dependency is ready. */
export const dependenciesReadyMessage = 'all dependencies are ready';

/** The dependencies with their namespace filled in (a dependency defaults to its dependent's). */
export function resolveDependencies(
  namespace: string,
  dependsOn: readonly GitSyncDependency[] | undefined,
): GitSyncKey[] {
  return (dependsOn ?? []).map((d) => ({ namespace: d.namespace || namespace, name: d.name }));
}

const keyText = (key: GitSyncKey): string => `${key.namespace}/${key.name}`;

function conditionOf(gs: GitSync, type: string): GitOpsCondition | undefined {
  return gs.status?.conditions?.find((c) => c.type === type);
}

function conditionText(c: GitOpsCondition | undefined, type: string): string {
  if (!c) return `no ${type} condition yet`;
  return c.message || c.reason || `${type} is ${c.status}`;
}

/** Why a dependency is not ready yet, or undefined when it is. */
function notReadyBecause(gs: GitSync): string | undefined {
  const status = gs.status ?? {};
  if (status.observedGeneration !== gs.metadata.generation)
    return 'its latest generation has not been reconciled yet';
  const ready = conditionOf(gs, GitOpsConditionType.Ready);
  if (ready?.status !== 'True') return conditionText(ready, GitOpsConditionType.Ready);
  // Healthy is only required when the dependency reports it (it may not wait for health).
  const healthy = conditionOf(gs, GitOpsConditionType.Healthy);
  if (healthy && healthy.status !== 'True')
    return `not healthy: ${conditionText(healthy, GitOpsConditionType.Healthy)}`;
  if (status.lastAppliedRevision !== status.lastAttemptedRevision)
    return `revision ${status.lastAttemptedRevision ?? 'unknown'} is not applied yet`;
  return undefined;
}

/** Whether all dependencies are ready; the message names the first one that is not. */
export function dependencyVerdict(
  deps: readonly GitSyncKey[],
  lookup: GitSyncLookup,
): DependencyVerdict {
  for (const dep of deps) {
    const gs = lookup(dep.namespace, dep.name);
    if (!gs) return { ready: false, message: `dependency "${keyText(dep)}" not found` };
    const because = notReadyBecause(gs);
    if (because)
      return { ready: false, message: `dependency "${keyText(dep)}" is not ready: ${because}` };
  }
  return { ready: true, message: dependenciesReadyMessage };
}

/**
 * A dependency cycle reachable from `self`, as "dependency cycle: a -> b -> a", or undefined.
 * `self.dependsOn`, when given, is used instead of the looked-up copy (the one being reconciled
 * may be newer than the cache).
 */
export function dependencyCycle(
  self: GitSyncKey & { dependsOn?: readonly GitSyncDependency[] },
  lookup: GitSyncLookup,
): string | undefined {
  const edges = (key: GitSyncKey): GitSyncKey[] => {
    const dependsOn =
      keyText(key) === keyText(self) && self.dependsOn
        ? self.dependsOn
        : lookup(key.namespace, key.name)?.spec.dependsOn;
    return resolveDependencies(key.namespace, dependsOn);
  };
  const cycle = findCycle(self, edges, [], new Set());
  return cycle ? `dependency cycle: ${cycle.map(keyText).join(' -> ')}` : undefined;
}

/** Depth-first search; `path` is the current chain, `done` the nodes known to be cycle-free. */
function findCycle(
  key: GitSyncKey,
  edges: (key: GitSyncKey) => GitSyncKey[],
  path: GitSyncKey[],
  done: Set<string>,
): GitSyncKey[] | undefined {
  const at = path.findIndex((k) => keyText(k) === keyText(key));
  if (at >= 0) return [...path.slice(at), key];
  if (done.has(keyText(key))) return undefined;
  for (const next of edges(key)) {
    const cycle = findCycle(next, edges, [...path, key], done);
    if (cycle) return cycle;
  }
  done.add(keyText(key));
  return undefined;
}
