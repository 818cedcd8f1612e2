// Whether a GitSync pass syncs, only re-reads health, or is held — and why. Pure: the controller
// gathers the facts (source artifact, dependencies, windows), this decides.
import type { GitSync } from '../../api/gitops.js';
import { GitOpsAnnotation, GitOpsReason as R } from '../../api/gitops-conditions.js';
import { goDurationMs } from '../durations.js';

/** The source's artifact as the GitRepository reports it, or why there is none. */
export type SourceFact =
  | { readonly ok: true; readonly revision: string; readonly digest: string }
  | { readonly ok: false; readonly message: string };

/** What the controller observed before deciding. */
export interface GateFacts {
  readonly source: SourceFact;
  readonly dependencies: { readonly ready: boolean; readonly message: string };
  readonly window: {
    readonly allowed: boolean;
    readonly message: string;
    readonly nextChange?: Date;
  };
  readonly specErrors: readonly string[];
  readonly now: Date;
}

/** The gate's verdict. */
export type SyncGate =
  | { readonly kind: 'suspended' }
  | { readonly kind: 'invalid'; readonly message: string }
  | {
      readonly kind: 'blocked';
      readonly reason: string;
      readonly message: string;
      /** A new revision is held (Ready goes False) rather than only a periodic sync. */
      readonly holdsNewRevision: boolean;
      readonly retryAt?: Date;
    }
  | { readonly kind: 'health' }
  | {
      readonly kind: 'sync';
      readonly mode: 'apply' | 'detect';
      readonly revision: string;
      readonly digest: string;
    };

/** The reconcile-requested-at value this pass has not handled yet, if any. */
export function pendingRequest(gs: GitSync): string | undefined {
  const requested = gs.metadata.annotations?.[GitOpsAnnotation.reconcileRequestedAt];
  return requested && requested !== gs.status?.lastHandledReconcileAt ? requested : undefined;
}

/** True when what Git says (or the spec) differs from what was last applied. */
export function hasNewDesiredState(
  gs: GitSync,
  source: { revision: string; digest: string },
): boolean {
  const status = gs.status ?? {};
  return (
    status.lastAppliedRevision !== source.revision ||
    status.lastAppliedDigest !== source.digest ||
    status.observedGeneration !== gs.metadata.generation
  );
}

/** True when the periodic sync (interval, or retryInterval after a failure) is due. */
export function periodicSyncDue(gs: GitSync, now: Date): boolean {
  const last = gs.status?.lastSyncTime;
  if (!last) return true;
  const failed = gs.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False');
  const every = goDurationMs(
    failed ? (gs.spec.retryInterval ?? gs.spec.interval) : gs.spec.interval,
  );
  return now.getTime() >= Date.parse(last) + every;
}

/** Why a due sync cannot run now (a dependency or a sync window), if anything holds it. */
function heldBy(
  facts: GateFacts & { source: { ok: true; revision: string } },
  changed: boolean,
): SyncGate | undefined {
  if (!facts.dependencies.ready)
    return {
      kind: 'blocked',
      reason: R.DependencyNotReady,
      message: facts.dependencies.message,
      holdsNewRevision: changed,
    };
  if (facts.window.allowed) return undefined;
  return {
    kind: 'blocked',
    reason: R.SyncWindowClosed,
    message: changed
      ? `revision ${facts.source.revision} held: ${facts.window.message}`
      : facts.window.message,
    holdsNewRevision: changed,
    ...(facts.window.nextChange ? { retryAt: facts.window.nextChange } : {}),
  };
}

/** Apply, or only detect drift: a requested sync (kubectl ramp sync) applies even without selfHeal. */
function syncMode(gs: GitSync, changed: boolean): 'apply' | 'detect' {
  return gs.spec.selfHeal !== false || changed || pendingRequest(gs) ? 'apply' : 'detect';
}

/** Decides what this pass does. */
export function syncGate(gs: GitSync, facts: GateFacts): SyncGate {
  if (gs.spec.suspend) return { kind: 'suspended' };
  if (facts.specErrors.length > 0) return { kind: 'invalid', message: facts.specErrors.join('; ') };
  const source = facts.source;
  if (!source.ok)
    return {
      kind: 'blocked',
      reason: R.ArtifactFailed,
      message: source.message,
      holdsNewRevision: true,
    };
  const changed = hasNewDesiredState(gs, source);
  const due = changed || pendingRequest(gs) !== undefined || periodicSyncDue(gs, facts.now);
  if (!due) return { kind: 'health' };
  const held = heldBy({ ...facts, source }, changed);
  if (held) return held;
  return {
    kind: 'sync',
    mode: syncMode(gs, changed),
    revision: source.revision,
    digest: source.digest,
  };
}
