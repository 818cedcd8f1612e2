// What a GitSync pass looks at before deciding: the source's artifact, the dependencies, the sync
// windows and whether the spec can work at all (judged in decide/gitops). Reads caches only.
import type { GitSync } from '../../api/gitops.js';
import { dependencyVerdict, resolveDependencies } from '../../decide/gitops/dependencies.js';
import { gitSyncSpecErrors, type TenancyRules } from '../../decide/gitops/spec-checks.js';
import { pendingRequest, type GateFacts, type SourceFact } from '../../decide/gitops/sync-gate.js';
import { syncWindowVerdict } from '../../decide/gitops/sync-windows.js';
import type { GitRepositoryObject, GitSyncObject } from '../../kube/gitops-informers.js';
import type { Informer } from '../../kube/informer.js';

/** The caches a GitSync pass reads. */
export interface GitSyncCaches {
  readonly repos: Informer<GitRepositoryObject>;
  readonly syncs: Informer<GitSyncObject>;
}

/** The GitRepository a GitSync takes its manifests from. */
export function sourceOf(gs: GitSync, caches: GitSyncCaches): GitRepositoryObject | undefined {
  const ref = gs.spec.sourceRef;
  return caches.repos.get(ref.namespace ?? gs.metadata.namespace, ref.name);
}

/** The source's artifact as its status reports it, or why there is none to use. */
export function sourceFact(gs: GitSync, repo: GitRepositoryObject | undefined): SourceFact {
  const ref = gs.spec.sourceRef;
  const name = `${ref.namespace ?? gs.metadata.namespace}/${ref.name}`;
  if (!repo) return { ok: false, message: `GitRepository "${name}" not found` };
  const artifact = repo.status?.artifact;
  if (!artifact) {
    const ready = repo.status?.conditions?.find((c) => c.type === 'Ready');
    const why = ready?.message ? `: ${ready.message}` : '';
    return { ok: false, message: `GitRepository "${name}" has no artifact yet${why}` };
  }
  return { ok: true, revision: artifact.revision, digest: artifact.digest };
}

/** Everything the gate needs, observed now. */
export function gateFacts(
  gs: GitSync,
  caches: GitSyncCaches & { rules?: TenancyRules },
  source: SourceFact,
  now: Date,
): GateFacts {
  const rules = caches.rules ?? {};
  const deps = resolveDependencies(gs.metadata.namespace, gs.spec.dependsOn);
  const errors = gitSyncSpecErrors(
    gs,
    (namespace, name) => caches.syncs.get(namespace, name),
    rules,
  );
  return {
    source,
    dependencies: dependencyVerdict(deps, (namespace, name) => caches.syncs.get(namespace, name)),
    // Invalid windows are reported as a spec error; the verdict would only repeat it.
    window: errors.length
      ? { allowed: true, message: '' }
      : syncWindowVerdict(gs.spec.syncWindows ?? [], now, {
          manual: pendingRequest(gs) !== undefined,
        }),
    specErrors: errors,
    now,
  };
}
