// What a GitSync pass writes: conditions Ready / Reconciling / Stalled / Healthy, revisions,
// inventory, drift and history, and the Events worth telling. Pure.
import type {
  GitOpsCondition,
  GitSync,
  GitSyncStatus,
  SyncHistoryEntry,
} from '../../api/gitops.js';
import { GitOpsConditionType as T, GitOpsReason as R } from '../../api/gitops-conditions.js';
import { goDurationMs } from '../durations.js';
import { conditionOf, removeConditions, setCondition, type ConditionInput } from './conditions.js';
import type { GitOpsEvent } from './repository-status.js';
import type { ObjectRef } from './objects.js';

/** How many attempts status.history keeps. */
export const historyLimit = 5;

/** The health of everything applied, as aggregated from each object's health. */
export interface HealthSummary {
  readonly status: 'Current' | 'InProgress' | 'Failed' | 'Unknown';
  readonly message: string;
}

/** What the apply step did, counted. */
export interface ApplySummary {
  readonly created: number;
  readonly configured: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly failed: number;
  /** Objects that differ from Git in detect-only mode. */
  readonly drifted: readonly ObjectRef[];
  /** One line per failed object. */
  readonly failures: readonly string[];
}

/** What prune did. */
export interface PruneSummary {
  readonly deleted: readonly ObjectRef[];
  readonly failures: readonly string[];
  readonly refused?: string | undefined;
}

/** The result of a sync that rendered and applied. */
export interface SyncResult {
  readonly mode: 'apply' | 'detect';
  readonly revision: string;
  readonly digest: string;
  readonly startedAt: Date;
  readonly inventory: readonly ObjectRef[];
  readonly apply: ApplySummary;
  readonly prune: PruneSummary;
  readonly health: HealthSummary;
  readonly requestedAt?: string | undefined;
}

/** A status and the Events of the pass that produced it. */
export interface StatusDecision {
  readonly status: GitSyncStatus;
  readonly events: GitOpsEvent[];
}

type Conditions = GitOpsCondition[];

function set(
  gs: GitSync,
  conditions: Conditions | undefined,
  input: ConditionInput,
  now: Date,
): Conditions {
  return setCondition(conditions, input, now, gs.metadata.generation);
}

/** `observedGeneration` to spread into a status (absent when the object has no generation). */
function observed(gs: GitSync): { observedGeneration?: number } {
  return gs.metadata.generation === undefined ? {} : { observedGeneration: gs.metadata.generation };
}

/** The Healthy condition for an aggregated health. */
export function healthyCondition(health: HealthSummary, revision?: string): ConditionInput {
  switch (health.status) {
    case 'Current':
      return { type: T.Healthy, status: 'True', reason: R.Healthy, message: health.message };
    case 'Failed':
      // Degraded names the Git revision, so the alert says which commit broke things.
      return {
        type: T.Healthy,
        status: 'False',
        reason: R.Degraded,
        message: revision ? `revision ${revision}: ${health.message}` : health.message,
      };
    case 'InProgress':
      return { type: T.Healthy, status: 'False', reason: R.Progressing, message: health.message };
    default:
      return {
        type: T.Healthy,
        status: 'Unknown',
        reason: R.HealthUnknown,
        message: health.message,
      };
  }
}

/** Ready after a successful apply: waits for health only when spec.wait asks for it. */
function readyCondition(
  gs: GitSync,
  result: SyncResult,
  appliedAt: string,
  now: Date,
): ConditionInput {
  const applied = `Applied revision: ${result.revision}`;
  if (result.mode === 'detect' && result.apply.drifted.length > 0)
    return {
      type: T.Ready,
      status: 'True',
      reason: R.DriftDetected,
      message: `${applied}; ${driftMessage(result.apply.drifted)}`,
    };
  if (!gs.spec.wait)
    return { type: T.Ready, status: 'True', reason: R.ReconciliationSucceeded, message: applied };
  return (
    waitingReady(gs, result.health, appliedAt, now) ?? {
      type: T.Ready,
      status: 'True',
      reason: R.ReconciliationSucceeded,
      message: applied,
    }
  );
}

/** With spec.wait: Ready stays Unknown while objects progress, False once one failed or time ran out. */
function waitingReady(
  gs: GitSync,
  health: HealthSummary,
  appliedAt: string,
  now: Date,
): ConditionInput | undefined {
  if (health.status === 'Failed')
    return { type: T.Ready, status: 'False', reason: R.HealthCheckFailed, message: health.message };
  if (health.status !== 'InProgress') return undefined;
  const timeoutMs = goDurationMs(gs.spec.timeout);
  if (now.getTime() - Date.parse(appliedAt) > timeoutMs)
    return {
      type: T.Ready,
      status: 'False',
      reason: R.HealthCheckFailed,
      message: `timed out after ${gs.spec.timeout} waiting for health: ${health.message}`,
    };
  return {
    type: T.Ready,
    status: 'Unknown',
    reason: R.Progressing,
    message: `waiting for health: ${health.message}`,
  };
}

function driftMessage(drifted: readonly ObjectRef[]): string {
  const names = drifted.slice(0, 3).map((r) => `${r.kind}/${r.name}`);
  const more = drifted.length > 3 ? ` and ${drifted.length - 3} more` : '';
  return `${drifted.length} object(s) differ from Git: ${names.join(', ')}${more}`;
}

/**
 * Reconciling is True while applied objects are still progressing (kstatus: the controller is
 * still working toward the desired state), and absent once they settle.
 */
function withReconciling(
  gs: GitSync,
  conditions: Conditions,
  health: HealthSummary,
  now: Date,
): Conditions {
  if (health.status !== 'InProgress') return removeConditions(conditions, T.Reconciling);
  return set(
    gs,
    conditions,
    { type: T.Reconciling, status: 'True', reason: R.Progressing, message: health.message },
    now,
  );
}

/** The history with one more attempt, newest first; a repeat of the newest entry replaces it. */
export function withHistory(
  history: readonly SyncHistoryEntry[] | undefined,
  entry: SyncHistoryEntry,
): SyncHistoryEntry[] {
  const list = [...(history ?? [])];
  const head = list[0];
  if (
    head &&
    head.revision === entry.revision &&
    head.result === entry.result &&
    head.message === entry.message
  )
    list.shift();
  return [entry, ...list].slice(0, historyLimit);
}

function historyEntry(attempt: {
  revision: string;
  digest: string | undefined;
  startedAt: Date;
  now: Date;
  result: 'Succeeded' | 'Failed';
  message: string;
}): SyncHistoryEntry {
  const entry: SyncHistoryEntry = {
    revision: attempt.revision,
    startedAt: attempt.startedAt.toISOString(),
    durationSeconds: Math.round((attempt.now.getTime() - attempt.startedAt.getTime()) / 10) / 100,
    result: attempt.result,
    message: attempt.message,
  };
  if (attempt.digest) entry.digest = attempt.digest;
  return entry;
}

/** A one-line account of what a sync changed, e.g. "2 created, 1 configured, 1 pruned". */
export function changeSummary(result: SyncResult): string {
  const parts = [
    [result.apply.created, 'created'],
    [result.apply.configured, 'configured'],
    [result.prune.deleted.length, 'pruned'],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${n} ${what}`);
  return parts.length ? parts.join(', ') : 'no changes';
}

/** Status after a sync that applied (or checked) every object. */
export function syncedStatus(gs: GitSync, result: SyncResult, now: Date): StatusDecision {
  const prev = gs.status ?? {};
  const changed = result.apply.created + result.apply.configured + result.prune.deleted.length > 0;
  const newRevision = prev.lastAppliedRevision !== result.revision;
  const appliedAt =
    changed || newRevision || !prev.lastAppliedTime ? now.toISOString() : prev.lastAppliedTime;
  let conditions = removeConditions(prev.conditions, T.Reconciling, T.Stalled);
  conditions = set(gs, conditions, readyCondition(gs, result, appliedAt, now), now);
  conditions = set(gs, conditions, healthyCondition(result.health, result.revision), now);
  conditions = withReconciling(gs, conditions, result.health, now);
  const status: GitSyncStatus = {
    ...prev,
    ...observed(gs),
    conditions,
    inventory: [...result.inventory],
    lastAttemptedRevision: result.revision,
    lastSyncTime: now.toISOString(),
  };
  if (result.mode === 'apply') {
    status.lastAppliedRevision = result.revision;
    status.lastAppliedDigest = result.digest;
    status.lastAppliedTime = appliedAt;
    delete status.drift;
  } else status.drift = [...result.apply.drifted];
  if (result.requestedAt !== undefined) status.lastHandledReconcileAt = result.requestedAt;
  if (changed || newRevision)
    status.history = withHistory(
      prev.history,
      historyEntry({
        revision: result.revision,
        digest: result.digest,
        startedAt: result.startedAt,
        now,
        result: 'Succeeded',
        message: changeSummary(result),
      }),
    );
  return { status, events: syncEvents(gs, status, result, changed || newRevision) };
}

function syncEvents(
  gs: GitSync,
  next: GitSyncStatus,
  result: SyncResult,
  changed: boolean,
): GitOpsEvent[] {
  const events: GitOpsEvent[] = [];
  if (changed)
    events.push({
      type: 'Normal',
      reason: R.ReconciliationSucceeded,
      message: `Applied revision ${result.revision}: ${changeSummary(result)}`,
    });
  if (result.prune.refused)
    events.push({ type: 'Warning', reason: R.PruneRefused, message: result.prune.refused });
  if (result.mode === 'detect' && result.apply.drifted.length > 0 && !gs.status?.drift?.length)
    events.push({
      type: 'Warning',
      reason: R.DriftDetected,
      message: driftMessage(result.apply.drifted),
    });
  events.push(...transitionEvents(gs.status, next));
  return events;
}

/** Events for conditions that changed this pass (Healthy turning Degraded, Ready failing on health). */
export function transitionEvents(
  prev: GitSyncStatus | undefined,
  next: GitSyncStatus,
): GitOpsEvent[] {
  return [T.Healthy, T.Ready].flatMap((type) => {
    const event = transitionEvent(
      type,
      conditionOf(prev?.conditions, type),
      conditionOf(next.conditions, type),
    );
    return event ? [event] : [];
  });
}

function transitionEvent(
  type: string,
  before: GitOpsCondition | undefined,
  after: GitOpsCondition | undefined,
): GitOpsEvent | undefined {
  if (!after || (before?.status === after.status && before.reason === after.reason))
    return undefined;
  if (after.status === 'False' && after.reason !== R.Progressing)
    return { type: 'Warning', reason: after.reason, message: after.message };
  if (type === T.Healthy && after.status === 'True' && before)
    return { type: 'Normal', reason: R.Healthy, message: after.message };
  return undefined;
}

/** Status after a pass that could not sync: Ready False with the reason, nothing else lost. */
export function failedStatus(
  gs: GitSync,
  failure: {
    readonly reason: string;
    readonly message: string;
    readonly revision?: string | undefined;
    readonly digest?: string | undefined;
    readonly startedAt: Date;
    readonly inventory?: readonly ObjectRef[] | undefined;
    readonly requestedAt?: string | undefined;
    /** A periodic sync (nothing new) that was held: Ready keeps what it said. */
    readonly keepReady?: boolean;
  },
  now: Date,
): StatusDecision {
  const prev = gs.status ?? {};
  // Stalled is kept here: invalidStatus sets it again, and its transition time must hold.
  let conditions = removeConditions(prev.conditions, T.Reconciling);
  const ready = {
    type: T.Ready,
    status: 'False',
    reason: failure.reason,
    message: failure.message,
  } as const;
  if (failure.reason !== R.InvalidSpec) conditions = removeConditions(conditions, T.Stalled);
  if (!failure.keepReady) conditions = set(gs, conditions, ready, now);
  // observedGeneration is not advanced: a spec change not yet applied must still look new.
  const status: GitSyncStatus = { ...prev, conditions };
  if (failure.inventory) status.inventory = [...failure.inventory];
  if (failure.requestedAt !== undefined) status.lastHandledReconcileAt = failure.requestedAt;
  if (failure.revision) {
    status.lastAttemptedRevision = failure.revision;
    status.lastSyncTime = now.toISOString();
    status.history = withHistory(
      prev.history,
      historyEntry({
        revision: failure.revision,
        digest: failure.digest,
        startedAt: failure.startedAt,
        now,
        result: 'Failed',
        message: failure.message,
      }),
    );
  }
  const repeated = conditionOf(prev.conditions, T.Ready)?.message === failure.message;
  const events: GitOpsEvent[] =
    repeated || failure.keepReady
      ? []
      : [{ type: 'Warning', reason: failure.reason, message: failure.message }];
  return { status, events };
}

/** Status of a spec that cannot work as written: Stalled until the spec changes. */
export function invalidStatus(gs: GitSync, message: string, now: Date): StatusDecision {
  const failed = failedStatus(gs, { reason: R.InvalidSpec, message, startedAt: now }, now);
  const conditions = set(
    gs,
    failed.status.conditions,
    { type: T.Stalled, status: 'True', reason: R.InvalidSpec, message },
    now,
  );
  return { status: { ...failed.status, ...observed(gs), conditions }, events: failed.events };
}

/** Status of a pass that only re-read health (nothing new to apply, no sync due). */
export function healthStatus(gs: GitSync, health: HealthSummary, now: Date): StatusDecision {
  const prev = gs.status ?? {};
  let conditions = set(
    gs,
    prev.conditions,
    healthyCondition(health, prev.lastAppliedRevision),
    now,
  );
  const ready = conditionOf(prev.conditions, T.Ready);
  if (gs.spec.wait && ready && ready.reason !== R.DriftDetected && prev.lastAppliedRevision) {
    const waiting = waitingReady(gs, health, prev.lastAppliedTime ?? now.toISOString(), now);
    const input: ConditionInput = waiting ?? {
      type: T.Ready,
      status: 'True',
      reason: R.ReconciliationSucceeded,
      message: `Applied revision: ${prev.lastAppliedRevision}`,
    };
    if (ready.status !== 'False' || ready.reason === R.HealthCheckFailed)
      conditions = set(gs, conditions, input, now);
  }
  conditions = withReconciling(gs, conditions, health, now);
  const status: GitSyncStatus = { ...prev, conditions };
  return { status, events: transitionEvents(prev, status) };
}
