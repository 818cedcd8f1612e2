// The pure facts the GitOps commands work with: which kind a flag names, the patches sync, suspend
// and resume send, a GitSync's conditions and source, and whether a requested reconcile is done.
import type { GitOpsCondition, GitRepository, GitSync } from '../../api/gitops.js';
import { GitOpsAnnotation, GitOpsConditionType } from '../../api/gitops-conditions.js';

/** A GitOps object as the commands read it (the API server adds creationTimestamp). */
export type GitOpsObject = (GitSync | GitRepository) & {
  metadata: { creationTimestamp?: string };
};

/** The GitOps kinds `suspend` and `resume` act on. */
export type GitOpsKind = 'gitsync' | 'gitrepository';

/** Plural resource of each kind (for API paths). */
export const gitopsPlural: Readonly<Record<GitOpsKind, string>> = {
  gitsync: 'gitsyncs',
  gitrepository: 'gitrepositories',
};

const kindWords: Readonly<Record<string, GitOpsKind>> = {
  gitsync: 'gitsync',
  gitsyncs: 'gitsync',
  gs: 'gitsync',
  gitrepository: 'gitrepository',
  gitrepositories: 'gitrepository',
  gitrepo: 'gitrepository',
};

/** The kind a --kind value names (kubectl's spellings: singular, plural, short name, any case). */
export function parseGitOpsKind(text: string): GitOpsKind | undefined {
  return kindWords[text.toLowerCase()];
}

/** What `resume` acts on: `resume NAME…` (rollouts), `resume gitsync NAME…`, or --kind. */
export function resumeTargets(
  args: readonly string[],
  kindFlag: GitOpsKind | undefined,
): { kind: GitOpsKind | 'rollout'; names: string[] } {
  const [first, ...rest] = args;
  const named = first === undefined || rest.length === 0 ? undefined : parseGitOpsKind(first);
  if (kindFlag) return { kind: kindFlag, names: named ? rest : [...args] };
  if (named) return { kind: named, names: rest };
  const rolloutWord = first !== undefined && ['rollout', 'rollouts', 'ro'].includes(first);
  return { kind: 'rollout', names: rolloutWord && rest.length > 0 ? rest : [...args] };
}

/** The merge patch that asks for a reconcile now (any new value of the annotation does). */
export function reconcileRequestPatch(at: string): unknown {
  return { metadata: { annotations: { [GitOpsAnnotation.reconcileRequestedAt]: at } } };
}

/** The merge patch of suspend (true) and resume (false); resume also asks for a reconcile now. */
export function suspendPatch(suspend: boolean, at: string): unknown {
  if (suspend) return { spec: { suspend: true } };
  return { ...(reconcileRequestPatch(at) as object), spec: { suspend: false } };
}

/** A condition of a GitOps object by type. */
export function conditionOf(
  obj: { status?: { conditions?: GitOpsCondition[] | undefined } | undefined },
  type: string,
): GitOpsCondition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** The GitRepository a GitSync reads (its namespace unless sourceRef names another). */
export function sourceOf(gs: GitSync): { namespace: string; name: string } {
  return {
    namespace: gs.spec.sourceRef.namespace ?? gs.metadata.namespace,
    name: gs.spec.sourceRef.name,
  };
}

/** `main@sha1:<40 hex>` shortened to 12 hex digits for tables; anything else unchanged. */
export function shortRevision(revision: string | undefined): string {
  if (!revision) return '';
  return revision.replace(/(sha1:[0-9a-f]{12})[0-9a-f]{28}$/, '$1');
}

/** Where a requested reconcile stands: not yet handled, handled and Ready, or handled and failed. */
export type ReconcileOutcome =
  | { state: 'waiting' }
  | { state: 'done'; ready: GitOpsCondition | undefined }
  | { state: 'failed'; ready: GitOpsCondition };

/** Whether the controller has handled the request written at `at`, and how it went. */
export function reconcileOutcome(
  obj: {
    status?:
      | { lastHandledReconcileAt?: string | undefined; conditions?: GitOpsCondition[] | undefined }
      | undefined;
  },
  at: string,
): ReconcileOutcome {
  if (obj.status?.lastHandledReconcileAt !== at) return { state: 'waiting' };
  const ready = conditionOf(obj, GitOpsConditionType.Ready);
  return ready?.status === 'False' ? { state: 'failed', ready } : { state: 'done', ready };
}

/** A condition in one line: `True ReconciliationSucceeded: Applied revision …`. */
export function conditionText(c: GitOpsCondition | undefined): string {
  if (!c) return 'Unknown';
  const message = oneLine(c.message);
  return `${c.status} ${c.reason}${message ? `: ${message}` : ''}`;
}

/** Newlines folded into spaces, so a message stays on its table row. */
export function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/\s*\n\s*/g, ' ').trim();
}
