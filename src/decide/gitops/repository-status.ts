// What a GitRepository pass writes: the artifact it stored (or why it could not), as Flux's
// source-controller reports it, so `kubectl wait --for=condition=Ready` works the same way.
import type { GitRepositoryStatus } from '../../api/gitops.js';
import { GitOpsConditionType as T, GitOpsReason as R } from '../../api/gitops-conditions.js';
import { removeConditions, setCondition } from './conditions.js';

/** The result of looking at the remote (and fetching when the revision is new). */
export type FetchOutcome =
  | { readonly kind: 'stored'; readonly revision: string; readonly digest: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly message: string }
  | { readonly kind: 'invalid'; readonly message: string };

/** Context of one pass. */
export interface RepositoryPassContext {
  readonly now: Date;
  readonly generation: number | undefined;
  /** The reconcile-requested-at annotation's value this pass handled. */
  readonly requestedAt: string | undefined;
}

/** An Event to record about the GitRepository. */
export interface GitOpsEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** The next status of a GitRepository and the Event to tell, if any. */
export function repositoryStatus(
  prev: GitRepositoryStatus | undefined,
  outcome: FetchOutcome,
  ctx: RepositoryPassContext,
): { status: GitRepositoryStatus; event?: GitOpsEvent } {
  const base: GitRepositoryStatus = {
    ...prev,
    ...(ctx.generation === undefined ? {} : { observedGeneration: ctx.generation }),
    lastFetchTime: ctx.now.toISOString(),
  };
  if (ctx.requestedAt !== undefined) base.lastHandledReconcileAt = ctx.requestedAt;
  if (outcome.kind === 'stored') return stored(prev, base, outcome, ctx);
  const stalled = outcome.kind === 'invalid';
  const reason = outcome.kind === 'invalid' ? R.InvalidSpec : outcome.reason;
  let conditions = setCondition(
    base.conditions,
    { type: T.Ready, status: 'False', reason, message: outcome.message },
    ctx.now,
    ctx.generation,
  );
  conditions = removeConditions(conditions, T.Reconciling, ...(stalled ? [] : [T.Stalled]));
  if (stalled)
    conditions = setCondition(
      conditions,
      { type: T.Stalled, status: 'True', reason, message: outcome.message },
      ctx.now,
      ctx.generation,
    );
  const wasFailing = prev?.conditions?.some(
    (c) => c.type === T.Ready && c.message === outcome.message,
  );
  return {
    status: { ...base, conditions },
    ...(wasFailing ? {} : { event: { type: 'Warning', reason, message: outcome.message } }),
  };
}

function stored(
  prev: GitRepositoryStatus | undefined,
  base: GitRepositoryStatus,
  outcome: Extract<FetchOutcome, { kind: 'stored' }>,
  ctx: RepositoryPassContext,
): { status: GitRepositoryStatus; event?: GitOpsEvent } {
  const changed =
    prev?.artifact?.revision !== outcome.revision || prev.artifact.digest !== outcome.digest;
  const message = `stored artifact for revision '${outcome.revision}'`;
  const conditions = setCondition(
    removeConditions(base.conditions, T.Reconciling, T.Stalled),
    { type: T.Ready, status: 'True', reason: R.Succeeded, message },
    ctx.now,
    ctx.generation,
  );
  const artifact =
    changed || !prev?.artifact
      ? {
          revision: outcome.revision,
          digest: outcome.digest,
          lastUpdateTime: ctx.now.toISOString(),
        }
      : prev.artifact;
  return {
    status: { ...base, artifact, conditions },
    ...(changed
      ? {
          event: {
            type: 'Normal',
            reason: R.NewRevision,
            message: `new revision '${outcome.revision}'`,
          },
        }
      : {}),
  };
}
