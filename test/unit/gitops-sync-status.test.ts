import { describe, expect, it } from 'vitest';

import type {
  GitOpsCondition,
  GitSync,
  GitSyncSpec,
  GitSyncStatus,
  SyncHistoryEntry,
} from '../../src/api/gitops.js';
import { GitOpsConditionType as T, GitOpsReason as R } from '../../src/api/gitops-conditions.js';
import { conditionOf } from '../../src/decide/gitops/conditions.js';
import type { ObjectRef } from '../../src/decide/gitops/objects.js';
import type { GitOpsEvent } from '../../src/decide/gitops/repository-status.js';
import {
  changeSummary,
  failedStatus,
  healthStatus,
  historyLimit,
  invalidStatus,
  syncedStatus,
  transitionEvents,
  withHistory,
  type HealthSummary,
  type SyncResult,
} from '../../src/decide/gitops/sync-status.js';

const now = new Date('2026-03-01T12:00:00Z');
const nowIso = now.toISOString();
const minute = 60_000;
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const earlier = ago(60 * minute);
const appliedTime = ago(10 * minute);
const revA = 'main@sha1:aaaa';
const revB = 'main@sha1:bbbb';

type Status = GitOpsCondition['status'];
const cond = (
  type: string,
  status: Status,
  reason: string,
  message = `${type} ${reason}`,
): GitOpsCondition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: earlier,
  observedGeneration: 1,
});
const readyTrue = cond(T.Ready, 'True', R.ReconciliationSucceeded, `Applied revision: ${revA}`);
const healthyTrue = cond(T.Healthy, 'True', R.Healthy, 'all current');

const deploy = (name: string): ObjectRef => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'team',
  name,
});
const web = deploy('web');

/** Applied revA ten minutes ago, Ready and Healthy. */
const applied: GitSyncStatus = {
  observedGeneration: 1,
  conditions: [readyTrue, healthyTrue],
  inventory: [web],
  lastAppliedRevision: revA,
  lastAttemptedRevision: revA,
  lastAppliedDigest: 'sha256:aaaa',
  lastAppliedTime: appliedTime,
  lastSyncTime: appliedTime,
};

const withConditions = (...conditions: GitOpsCondition[]): GitSyncStatus => ({
  ...applied,
  conditions,
});

interface GitSyncOptions {
  spec?: Partial<GitSyncSpec>;
  status?: GitSyncStatus | undefined;
  generation?: number;
}

function gitSync(opts: GitSyncOptions = {}): GitSync {
  return {
    metadata: { name: 'app', namespace: 'team', generation: opts.generation ?? 2 },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      path: './',
      interval: '5m',
      timeout: '5m',
      prune: true,
      selfHeal: true,
      wait: false,
      ...opts.spec,
    },
    ...('status' in opts ? (opts.status ? { status: opts.status } : {}) : { status: applied }),
  };
}

const current: HealthSummary = { status: 'Current', message: 'all current' };
const progressing: HealthSummary = { status: 'InProgress', message: 'Deployment/web rolling out' };
const broken: HealthSummary = { status: 'Failed', message: 'Deployment/web crashing' };
const unknown: HealthSummary = { status: 'Unknown', message: 'no health yet' };

interface ResultOptions extends Partial<Omit<SyncResult, 'apply' | 'prune'>> {
  apply?: Partial<SyncResult['apply']>;
  prune?: Partial<SyncResult['prune']>;
}

function result(over: ResultOptions = {}): SyncResult {
  const { apply, prune, ...rest } = over;
  return {
    mode: 'apply',
    revision: revB,
    digest: 'sha256:bbbb',
    startedAt: new Date(now.getTime() - 2000),
    inventory: [web],
    health: current,
    ...rest,
    apply: {
      created: 0,
      configured: 0,
      unchanged: 1,
      skipped: 0,
      failed: 0,
      drifted: [],
      failures: [],
      ...apply,
    },
    prune: { deleted: [], failures: [], ...prune },
  };
}

/** The same revision as applied, nothing changed. */
const same = (over: ResultOptions = {}) =>
  result({ revision: revA, digest: 'sha256:aaaa', ...over });

type CondExpect = Pick<GitOpsCondition, 'status' | 'reason' | 'message'>;
const expectCond = (status: Status, reason: string, message: string): CondExpect => ({
  status,
  reason,
  message,
});
const appliedB = expectCond('True', R.ReconciliationSucceeded, `Applied revision: ${revB}`);
const appliedA = expectCond('True', R.ReconciliationSucceeded, `Applied revision: ${revA}`);
const healthy = expectCond('True', R.Healthy, 'all current');

describe('syncedStatus: Ready and Healthy', () => {
  it.each<[string, GitSyncOptions, SyncResult, CondExpect, CondExpect]>([
    ['Current', {}, result(), appliedB, healthy],
    [
      'InProgress without wait: Ready',
      {},
      result({ health: progressing }),
      appliedB,
      expectCond('False', R.Progressing, progressing.message),
    ],
    [
      'Failed without wait: Ready, Degraded names the revision',
      {},
      result({ health: broken }),
      appliedB,
      expectCond('False', R.Degraded, `revision ${revB}: ${broken.message}`),
    ],
    [
      'Unknown',
      {},
      result({ health: unknown }),
      appliedB,
      expectCond('Unknown', R.HealthUnknown, unknown.message),
    ],
    [
      'wait, InProgress: Ready Unknown Progressing',
      { spec: { wait: true } },
      result({ health: progressing }),
      expectCond('Unknown', R.Progressing, `waiting for health: ${progressing.message}`),
      expectCond('False', R.Progressing, progressing.message),
    ],
    [
      'wait, Failed: Ready False HealthCheckFailed',
      { spec: { wait: true } },
      result({ health: broken }),
      expectCond('False', R.HealthCheckFailed, broken.message),
      expectCond('False', R.Degraded, `revision ${revB}: ${broken.message}`),
    ],
    ['wait, Current: Ready', { spec: { wait: true } }, result(), appliedB, healthy],
    [
      'wait, Unknown: Ready',
      { spec: { wait: true } },
      result({ health: unknown }),
      appliedB,
      expectCond('Unknown', R.HealthUnknown, unknown.message),
    ],
    [
      'wait, InProgress past spec.timeout since the last apply',
      { spec: { wait: true } },
      same({ health: progressing }),
      expectCond(
        'False',
        R.HealthCheckFailed,
        `timed out after 5m waiting for health: ${progressing.message}`,
      ),
      expectCond('False', R.Progressing, progressing.message),
    ],
    [
      'wait, InProgress within spec.timeout since the last apply',
      { spec: { wait: true, timeout: '15m' } },
      same({ health: progressing }),
      expectCond('Unknown', R.Progressing, `waiting for health: ${progressing.message}`),
      expectCond('False', R.Progressing, progressing.message),
    ],
    [
      'wait, InProgress, a change restarts the clock',
      { spec: { wait: true } },
      same({ health: progressing, apply: { configured: 1 } }),
      expectCond('Unknown', R.Progressing, `waiting for health: ${progressing.message}`),
      expectCond('False', R.Progressing, progressing.message),
    ],
    [
      'detect with drift: Ready True DriftDetected',
      { spec: { selfHeal: false } },
      same({ mode: 'detect', apply: { drifted: [web] } }),
      expectCond(
        'True',
        R.DriftDetected,
        `Applied revision: ${revA}; 1 object(s) differ from Git: Deployment/web`,
      ),
      healthy,
    ],
    [
      'detect with much drift: three named',
      { spec: { selfHeal: false } },
      same({ mode: 'detect', apply: { drifted: ['a', 'b', 'c', 'd', 'e'].map(deploy) } }),
      expectCond(
        'True',
        R.DriftDetected,
        `Applied revision: ${revA}; 5 object(s) differ from Git: Deployment/a, Deployment/b, Deployment/c and 2 more`,
      ),
      healthy,
    ],
    [
      'detect with drift beats wait',
      { spec: { selfHeal: false, wait: true } },
      same({ mode: 'detect', apply: { drifted: [web] }, health: broken }),
      expectCond(
        'True',
        R.DriftDetected,
        `Applied revision: ${revA}; 1 object(s) differ from Git: Deployment/web`,
      ),
      expectCond('False', R.Degraded, `revision ${revA}: ${broken.message}`),
    ],
    [
      'detect without drift: Ready',
      { spec: { selfHeal: false } },
      same({ mode: 'detect' }),
      appliedA,
      healthy,
    ],
  ])('%s', (_name, opts, res, ready, healthyCond) => {
    const { status } = syncedStatus(gitSync(opts), res, now);
    expect(conditionOf(status.conditions, T.Ready)).toMatchObject({
      ...ready,
      observedGeneration: 2,
    });
    expect(conditionOf(status.conditions, T.Healthy)).toMatchObject({
      ...healthyCond,
      observedGeneration: 2,
    });
  });

  it.each<[string, GitSyncStatus | undefined, string, string]>([
    ['first sync', undefined, nowIso, nowIso],
    ['held Ready and Healthy', applied, earlier, earlier],
    [
      'Ready and Healthy were failing',
      withConditions(cond(T.Ready, 'False', R.ApplyFailed), cond(T.Healthy, 'False', R.Degraded)),
      nowIso,
      nowIso,
    ],
  ])('transition times: %s', (_name, status, readyTime, healthyTime) => {
    const out = syncedStatus(gitSync({ status }), result(), now).status;
    expect(conditionOf(out.conditions, T.Ready)?.lastTransitionTime).toBe(readyTime);
    expect(conditionOf(out.conditions, T.Healthy)?.lastTransitionTime).toBe(healthyTime);
  });

  it('clears Reconciling and Stalled', () => {
    const status = withConditions(
      cond(T.Reconciling, 'True', R.Progressing),
      readyTrue,
      cond(T.Stalled, 'True', R.InvalidSpec),
    );
    const out = syncedStatus(gitSync({ status }), result(), now).status;
    expect(out.conditions?.map((c) => c.type)).toEqual([T.Ready, T.Healthy]);
  });
});

describe('syncedStatus: revisions, drift and times', () => {
  const drifted: GitSyncStatus = { ...applied, drift: [web] };
  it.each<[string, GitSyncStatus, SyncResult, Partial<GitSyncStatus>]>([
    [
      'apply, new revision',
      drifted,
      result({ requestedAt: 'req-1', inventory: [web, deploy('api')] }),
      {
        lastAppliedRevision: revB,
        lastAppliedDigest: 'sha256:bbbb',
        lastAppliedTime: nowIso,
        lastAttemptedRevision: revB,
        lastSyncTime: nowIso,
        observedGeneration: 2,
        lastHandledReconcileAt: 'req-1',
        inventory: [web, deploy('api')],
      },
    ],
    [
      'apply, nothing changed: lastAppliedTime kept',
      applied,
      same(),
      { lastAppliedTime: appliedTime, lastSyncTime: nowIso },
    ],
    [
      'apply, something configured: lastAppliedTime now',
      applied,
      same({ apply: { configured: 1 } }),
      { lastAppliedTime: nowIso },
    ],
    [
      'apply, something pruned: lastAppliedTime now',
      applied,
      same({ prune: { deleted: [deploy('old')] } }),
      { lastAppliedTime: nowIso },
    ],
    [
      'apply, never applied before',
      { observedGeneration: 1 },
      same(),
      { lastAppliedTime: nowIso, lastAppliedRevision: revA },
    ],
    [
      'detect: drift recorded, applied fields untouched',
      applied,
      same({ mode: 'detect', apply: { drifted: [web] } }),
      {
        drift: [web],
        lastAppliedRevision: revA,
        lastAppliedDigest: 'sha256:aaaa',
        lastAppliedTime: appliedTime,
        lastSyncTime: nowIso,
      },
    ],
    [
      'detect without drift: drift cleared to empty',
      drifted,
      same({ mode: 'detect' }),
      { drift: [] },
    ],
    [
      'no request keeps the handled one',
      { ...applied, lastHandledReconcileAt: 'old' },
      same(),
      { lastHandledReconcileAt: 'old' },
    ],
  ])('%s', (_name, status, res, expected) => {
    const out = syncedStatus(gitSync({ status }), res, now).status;
    expect(out).toMatchObject(expected);
  });

  it('apply removes reported drift', () => {
    const out = syncedStatus(gitSync({ status: drifted }), same(), now).status;
    expect(out).not.toHaveProperty('drift');
  });

  it('does not change the previous status', () => {
    const gs = gitSync({ status: drifted });
    const before = structuredClone(gs);
    syncedStatus(gs, result({ apply: { created: 1 } }), now);
    expect(gs).toEqual(before);
  });
});

const entry = (
  revision: string,
  message: string,
  result: 'Succeeded' | 'Failed' = 'Succeeded',
  startedAt = earlier,
): SyncHistoryEntry => ({
  revision,
  startedAt,
  durationSeconds: 1,
  result,
  message,
});

describe('syncedStatus: history', () => {
  const fresh = (message: string, revision = revB, digest = 'sha256:bbbb'): SyncHistoryEntry => ({
    revision,
    digest,
    startedAt: ago(2000),
    durationSeconds: 2,
    result: 'Succeeded',
    message,
  });
  const five = ['1', '2', '3', '4', '5'].map((n) => entry(`main@sha1:${n}`, 'no changes'));
  it.each<[string, SyncHistoryEntry[] | undefined, SyncResult, SyncHistoryEntry[] | undefined]>([
    ['new revision, no changes: recorded', undefined, result(), [fresh('no changes')]],
    ['same revision, nothing changed: not recorded', undefined, same(), undefined],
    [
      'same revision, nothing changed: history kept',
      [entry(revA, 'no changes')],
      same(),
      [entry(revA, 'no changes')],
    ],
    [
      'same revision, something changed: recorded first',
      [entry(revA, 'no changes')],
      same({ apply: { configured: 1 } }),
      [fresh('1 configured', revA, 'sha256:aaaa'), entry(revA, 'no changes')],
    ],
    [
      'a repeat replaces the newest entry',
      [entry(revA, '1 configured'), entry(revA, 'no changes')],
      same({ apply: { configured: 1 } }),
      [fresh('1 configured', revA, 'sha256:aaaa'), entry(revA, 'no changes')],
    ],
    ['at most five', five, result(), [fresh('no changes'), ...five.slice(0, 4)]],
  ])('%s', (_name, history, res, expected) => {
    const out = syncedStatus(
      gitSync({ status: { ...applied, ...(history ? { history } : {}) } }),
      res,
      now,
    ).status;
    expect(out.history).toEqual(expected);
  });
});

describe('withHistory', () => {
  const a = entry(revA, 'x');
  const b = entry(revB, 'x');
  const aLater = entry(revA, 'x', 'Succeeded', nowIso);
  it.each<[string, SyncHistoryEntry[] | undefined, SyncHistoryEntry, SyncHistoryEntry[]]>([
    ['into nothing', undefined, a, [a]],
    ['newest first', [a], b, [b, a]],
    ['a repeat of the newest replaces it', [a, b], aLater, [aLater, b]],
    ['a repeat of an older one does not collapse', [b, a], aLater, [aLater, b, a]],
    [
      'another result does not collapse',
      [a],
      entry(revA, 'x', 'Failed'),
      [entry(revA, 'x', 'Failed'), a],
    ],
    ['another message does not collapse', [a], entry(revA, 'y'), [entry(revA, 'y'), a]],
    [
      'capped at historyLimit',
      ['1', '2', '3', '4', '5'].map((n) => entry(n, 'x')),
      a,
      [a, ...['1', '2', '3', '4'].map((n) => entry(n, 'x'))],
    ],
  ])('%s', (_name, history, next, expected) => {
    expect(withHistory(history, next)).toEqual(expected);
  });

  it('historyLimit is 5', () => {
    expect(historyLimit).toBe(5);
  });
});

describe('changeSummary', () => {
  it.each<[string, ResultOptions, string]>([
    ['nothing', {}, 'no changes'],
    ['created', { apply: { created: 2 } }, '2 created'],
    [
      'all kinds',
      { apply: { created: 2, configured: 1 }, prune: { deleted: [web] } },
      '2 created, 1 configured, 1 pruned',
    ],
    [
      'unchanged and skipped are not changes',
      { apply: { unchanged: 4, skipped: 1 } },
      'no changes',
    ],
    ['pruned only', { prune: { deleted: [web, deploy('api')] } }, '2 pruned'],
  ])('%s', (_name, over, expected) => {
    expect(changeSummary(result(over))).toBe(expected);
  });
});

describe('syncedStatus: events', () => {
  const succeeded = (message: string, revision = revB): GitOpsEvent => ({
    type: 'Normal',
    reason: R.ReconciliationSucceeded,
    message: `Applied revision ${revision}: ${message}`,
  });
  const driftEvent: GitOpsEvent = {
    type: 'Warning',
    reason: R.DriftDetected,
    message: '1 object(s) differ from Git: Deployment/web',
  };
  it.each<[string, GitSyncOptions, SyncResult, GitOpsEvent[]]>([
    ['new revision', {}, result(), [succeeded('no changes')]],
    ['nothing new: silent', {}, same(), []],
    [
      'changes are summed up',
      {},
      same({ apply: { created: 2, configured: 1 }, prune: { deleted: [deploy('old')] } }),
      [succeeded('2 created, 1 configured, 1 pruned', revA)],
    ],
    [
      'prune refused warns',
      {},
      same({ prune: { refused: 'would delete everything' } }),
      [{ type: 'Warning', reason: R.PruneRefused, message: 'would delete everything' }],
    ],
    [
      'drift first seen warns',
      { spec: { selfHeal: false } },
      same({ mode: 'detect', apply: { drifted: [web] } }),
      [driftEvent],
    ],
    [
      'drift already reported: silent',
      { spec: { selfHeal: false }, status: { ...applied, drift: [web] } },
      same({ mode: 'detect', apply: { drifted: [web] } }),
      [],
    ],
    [
      'drift reported as empty before: warns',
      { spec: { selfHeal: false }, status: { ...applied, drift: [] } },
      same({ mode: 'detect', apply: { drifted: [web] } }),
      [driftEvent],
    ],
    [
      'turning Degraded warns',
      {},
      same({ health: broken }),
      [{ type: 'Warning', reason: R.Degraded, message: `revision ${revA}: ${broken.message}` }],
    ],
    [
      'under wait, failing health warns for Healthy and Ready',
      { spec: { wait: true } },
      same({ health: broken }),
      [
        { type: 'Warning', reason: R.Degraded, message: `revision ${revA}: ${broken.message}` },
        { type: 'Warning', reason: R.HealthCheckFailed, message: broken.message },
      ],
    ],
    [
      'turning Progressing is silent',
      { spec: { wait: true } },
      result({ health: progressing }),
      [succeeded('no changes')],
    ],
    [
      'recovering from Degraded',
      { status: withConditions(readyTrue, cond(T.Healthy, 'False', R.Degraded)) },
      same(),
      [{ type: 'Normal', reason: R.Healthy, message: 'all current' }],
    ],
  ])('%s', (_name, opts, res, expected) => {
    expect(syncedStatus(gitSync(opts), res, now).events).toEqual(expected);
  });
});

describe('failedStatus', () => {
  const failing = withConditions(
    cond(T.Ready, 'False', R.ApplyFailed, 'apply failed: x'),
    healthyTrue,
    cond(T.Stalled, 'True', R.InvalidSpec),
  );
  const warning = (reason: string, message: string): GitOpsEvent[] => [
    { type: 'Warning', reason, message },
  ];
  it.each<
    [
      string,
      GitSyncStatus | undefined,
      Parameters<typeof failedStatus>[1],
      CondExpect & { lastTransitionTime: string },
      GitOpsEvent[],
    ]
  >([
    [
      'Ready goes False and warns',
      applied,
      { reason: R.ApplyFailed, message: 'apply failed: x', startedAt: now },
      { ...expectCond('False', R.ApplyFailed, 'apply failed: x'), lastTransitionTime: nowIso },
      warning(R.ApplyFailed, 'apply failed: x'),
    ],
    [
      'first pass failing',
      undefined,
      { reason: R.ArtifactFailed, message: 'no artifact', startedAt: now },
      { ...expectCond('False', R.ArtifactFailed, 'no artifact'), lastTransitionTime: nowIso },
      warning(R.ArtifactFailed, 'no artifact'),
    ],
    [
      'the same message again: silent, transition time kept',
      failing,
      { reason: R.ApplyFailed, message: 'apply failed: x', startedAt: now },
      { ...expectCond('False', R.ApplyFailed, 'apply failed: x'), lastTransitionTime: earlier },
      [],
    ],
    [
      'another message warns again',
      failing,
      { reason: R.BuildFailed, message: 'build failed', startedAt: now },
      { ...expectCond('False', R.BuildFailed, 'build failed'), lastTransitionTime: earlier },
      warning(R.BuildFailed, 'build failed'),
    ],
    [
      'keepReady leaves Ready alone and is silent',
      applied,
      { reason: R.SyncWindowClosed, message: 'deny window open', startedAt: now, keepReady: true },
      {
        ...expectCond('True', R.ReconciliationSucceeded, `Applied revision: ${revA}`),
        lastTransitionTime: earlier,
      },
      [],
    ],
  ])('%s', (_name, status, failure, ready, events) => {
    const out = failedStatus(gitSync({ status }), failure, now);
    expect(conditionOf(out.status.conditions, T.Ready)).toMatchObject(ready);
    expect(conditionOf(out.status.conditions, T.Stalled)).toBeUndefined();
    expect(out.events).toEqual(events);
  });

  it.each<[string, Parameters<typeof failedStatus>[1], Partial<GitSyncStatus>]>([
    [
      'with a revision: attempt and history recorded',
      {
        reason: R.ApplyFailed,
        message: 'apply failed: x',
        revision: revB,
        digest: 'sha256:bbbb',
        startedAt: new Date(now.getTime() - 1500),
      },
      {
        lastAttemptedRevision: revB,
        lastSyncTime: nowIso,
        history: [
          {
            revision: revB,
            digest: 'sha256:bbbb',
            startedAt: ago(1500),
            durationSeconds: 1.5,
            result: 'Failed',
            message: 'apply failed: x',
          },
          entry(revA, 'no changes'),
        ],
      },
    ],
    [
      'without a revision: no attempt recorded',
      { reason: R.ArtifactFailed, message: 'no artifact', startedAt: now },
      {
        lastAttemptedRevision: revA,
        lastSyncTime: appliedTime,
        history: [entry(revA, 'no changes')],
      },
    ],
    [
      'inventory and request recorded',
      {
        reason: R.ApplyFailed,
        message: 'x',
        startedAt: now,
        inventory: [deploy('api')],
        requestedAt: 'req-9',
      },
      { inventory: [deploy('api')], lastHandledReconcileAt: 'req-9' },
    ],
    [
      'applied revision, digest and inventory kept',
      { reason: R.ApplyFailed, message: 'x', revision: revB, startedAt: now },
      {
        lastAppliedRevision: revA,
        lastAppliedDigest: 'sha256:aaaa',
        lastAppliedTime: appliedTime,
        inventory: [web],
      },
    ],
    [
      'keepReady still records the attempt',
      {
        reason: R.SyncWindowClosed,
        message: 'closed',
        revision: revA,
        startedAt: now,
        keepReady: true,
      },
      { lastAttemptedRevision: revA, lastSyncTime: nowIso },
    ],
  ])('%s', (_name, failure, expected) => {
    const status = { ...applied, history: [entry(revA, 'no changes')] };
    // observedGeneration stays where the last apply left it: a spec change must still look new.
    expect(failedStatus(gitSync({ status }), failure, now).status).toMatchObject({
      observedGeneration: status.observedGeneration,
      ...expected,
    });
  });
});

describe('invalidStatus', () => {
  const stalled = withConditions(
    cond(T.Ready, 'False', R.InvalidSpec, 'bad path'),
    healthyTrue,
    cond(T.Stalled, 'True', R.InvalidSpec, 'bad path'),
  );
  it.each<[string, GitSyncStatus | undefined, string, GitOpsEvent[]]>([
    [
      'first time warns',
      applied,
      'bad path',
      [{ type: 'Warning', reason: R.InvalidSpec, message: 'bad path' }],
    ],
    [
      'no previous status',
      undefined,
      'bad path',
      [{ type: 'Warning', reason: R.InvalidSpec, message: 'bad path' }],
    ],
    ['still invalid: silent', stalled, 'bad path', []],
    [
      'another error warns',
      stalled,
      'bad window',
      [{ type: 'Warning', reason: R.InvalidSpec, message: 'bad window' }],
    ],
  ])('%s', (_name, status, message, events) => {
    const out = invalidStatus(gitSync({ status }), message, now);
    expect(conditionOf(out.status.conditions, T.Ready)).toMatchObject(
      expectCond('False', R.InvalidSpec, message),
    );
    expect(conditionOf(out.status.conditions, T.Stalled)).toMatchObject({
      ...expectCond('True', R.InvalidSpec, message),
      observedGeneration: 2,
    });
    expect(out.events).toEqual(events);
  });

  // Bug: failedStatus drops Stalled before invalidStatus sets it again, so a GitSync that
  // stays Stalled gets a new lastTransitionTime on every pass (metav1.Condition: only on change).
  it('a GitSync that stays Stalled keeps its Stalled transition time', () => {
    const out = invalidStatus(gitSync({ status: stalled }), 'bad path', now);
    expect(conditionOf(out.status.conditions, T.Stalled)?.lastTransitionTime).toBe(earlier);
  });
});

describe('healthStatus', () => {
  const waitingReady = cond(T.Ready, 'Unknown', R.Progressing, 'waiting for health: rolling');
  const timedOut = cond(T.Ready, 'False', R.HealthCheckFailed, 'timed out');
  const applyFailed = cond(T.Ready, 'False', R.ApplyFailed, 'apply failed');
  const drift = cond(T.Ready, 'True', R.DriftDetected, 'drift');
  const recent = { lastAppliedTime: ago(minute) };
  it.each<[string, GitSyncOptions, HealthSummary, CondExpect, CondExpect]>([
    ['Current keeps Ready', {}, current, appliedA, healthy],
    [
      'Failed without wait: only Healthy changes',
      {},
      broken,
      appliedA,
      expectCond('False', R.Degraded, `revision ${revA}: ${broken.message}`),
    ],
    [
      'InProgress without wait: only Healthy changes',
      { status: { ...applied, ...recent, conditions: [waitingReady, healthyTrue] } },
      progressing,
      expectCond('Unknown', R.Progressing, 'waiting for health: rolling'),
      expectCond('False', R.Progressing, progressing.message),
    ],
    [
      'wait: turning Current makes Ready True',
      {
        spec: { wait: true },
        status: { ...applied, ...recent, conditions: [waitingReady, healthyTrue] },
      },
      current,
      appliedA,
      healthy,
    ],
    [
      'wait: still progressing within the timeout',
      { spec: { wait: true }, status: { ...applied, ...recent, conditions: [waitingReady] } },
      progressing,
      expectCond('Unknown', R.Progressing, `waiting for health: ${progressing.message}`),
      expectCond('False', R.Progressing, progressing.message),
    ],
    [
      'wait: progressing past the timeout',
      { spec: { wait: true }, status: withConditions(waitingReady) },
      progressing,
      expectCond(
        'False',
        R.HealthCheckFailed,
        `timed out after 5m waiting for health: ${progressing.message}`,
      ),
      expectCond('False', R.Progressing, progressing.message),
    ],
    [
      'wait: Failed turns Ready False',
      { spec: { wait: true } },
      broken,
      expectCond('False', R.HealthCheckFailed, broken.message),
      expectCond('False', R.Degraded, `revision ${revA}: ${broken.message}`),
    ],
    [
      'wait: recovers from HealthCheckFailed',
      { spec: { wait: true }, status: withConditions(timedOut) },
      current,
      appliedA,
      healthy,
    ],
    [
      'wait: another failure of Ready stays',
      { spec: { wait: true }, status: withConditions(applyFailed) },
      current,
      expectCond('False', R.ApplyFailed, 'apply failed'),
      healthy,
    ],
    [
      'wait: DriftDetected stays',
      { spec: { wait: true }, status: withConditions(drift) },
      broken,
      expectCond('True', R.DriftDetected, 'drift'),
      expectCond('False', R.Degraded, `revision ${revA}: ${broken.message}`),
    ],
    [
      'never applied: Degraded without a revision, Ready untouched',
      { spec: { wait: true }, status: { conditions: [applyFailed] } },
      broken,
      expectCond('False', R.ApplyFailed, 'apply failed'),
      expectCond('False', R.Degraded, broken.message),
    ],
  ])('%s', (_name, opts, health, ready, healthyCond) => {
    const out = healthStatus(gitSync(opts), health, now).status;
    expect(conditionOf(out.conditions, T.Ready)).toMatchObject(ready);
    expect(conditionOf(out.conditions, T.Healthy)).toMatchObject(healthyCond);
  });

  it.each<[string, GitSyncOptions, HealthSummary, GitOpsEvent[]]>([
    ['nothing changed', {}, current, []],
    [
      'turning Degraded',
      {},
      broken,
      [{ type: 'Warning', reason: R.Degraded, message: `revision ${revA}: ${broken.message}` }],
    ],
    [
      'turning Degraded under wait',
      { spec: { wait: true } },
      broken,
      [
        { type: 'Warning', reason: R.Degraded, message: `revision ${revA}: ${broken.message}` },
        { type: 'Warning', reason: R.HealthCheckFailed, message: broken.message },
      ],
    ],
    ['turning Progressing', {}, progressing, []],
  ])('events: %s', (_name, opts, health, events) => {
    expect(healthStatus(gitSync(opts), health, now).events).toEqual(events);
  });

  it('changes nothing but conditions', () => {
    const gs = gitSync({ spec: { wait: true } });
    const out = healthStatus(gs, broken, now).status;
    expect({ ...out, conditions: undefined }).toEqual({ ...applied, conditions: undefined });
  });
});

describe('transitionEvents', () => {
  const of = (...conditions: GitOpsCondition[]): GitSyncStatus => ({ conditions });
  const healthyC = cond(T.Healthy, 'True', R.Healthy, 'all current');
  const degraded = cond(T.Healthy, 'False', R.Degraded, 'revision r: crash');
  const progressingC = cond(T.Healthy, 'False', R.Progressing, 'rolling');
  const unknownC = cond(T.Healthy, 'Unknown', R.HealthUnknown, '?');
  const readyC = cond(T.Ready, 'True', R.ReconciliationSucceeded, 'ok');
  const healthFailed = cond(T.Ready, 'False', R.HealthCheckFailed, 'crash');
  const readyWaiting = cond(T.Ready, 'Unknown', R.Progressing, 'waiting');
  const warn = (c: GitOpsCondition): GitOpsEvent => ({
    type: 'Warning',
    reason: c.reason,
    message: c.message,
  });
  const recovered: GitOpsEvent = { type: 'Normal', reason: R.Healthy, message: 'all current' };
  it.each<[string, GitSyncStatus | undefined, GitSyncStatus, GitOpsEvent[]]>([
    ['nothing before, healthy', undefined, of(healthyC), []],
    ['nothing before, degraded', undefined, of(degraded), [warn(degraded)]],
    ['healthy to Degraded', of(healthyC), of(degraded), [warn(degraded)]],
    ['Degraded back to healthy', of(degraded), of(healthyC), [recovered]],
    ['Degraded with a new message', of(degraded), of({ ...degraded, message: 'other' }), []],
    ['healthy to Progressing', of(healthyC), of(progressingC), []],
    ['Progressing to Degraded', of(progressingC), of(degraded), [warn(degraded)]],
    ['Progressing to healthy', of(progressingC), of(healthyC), [recovered]],
    ['Unknown to Degraded', of(unknownC), of(degraded), [warn(degraded)]],
    ['Degraded to Unknown', of(degraded), of(unknownC), []],
    ['Ready failing on health', of(readyC), of(healthFailed), [warn(healthFailed)]],
    ['Ready waiting', of(readyC), of(readyWaiting), []],
    ['Ready recovering is not told', of(healthFailed), of(readyC), []],
    [
      'Healthy before Ready',
      of(readyC, healthyC),
      of(healthFailed, degraded),
      [warn(degraded), warn(healthFailed)],
    ],
    ['condition gone', of(degraded), of(), []],
  ])('%s', (_name, prev, next, expected) => {
    expect(transitionEvents(prev, next)).toEqual(expected);
  });
});

describe('Reconciling', () => {
  it.each<[string, HealthSummary, boolean]>([
    ['objects progressing', progressing, true],
    ['all current', current, false],
    ['one failed', broken, false],
    ['health unknown', unknown, false],
  ])('%s → Reconciling %s (after a sync and after a health pass)', (_what, health, reconciling) => {
    const synced = syncedStatus(gitSync({ status: applied }), result({ health }), now).status;
    const polled = healthStatus(gitSync({ status: applied }), health, now).status;
    for (const status of [synced, polled]) {
      const c = status.conditions?.find((x) => x.type === T.Reconciling);
      expect(c !== undefined).toBe(reconciling);
      if (c)
        expect(c).toMatchObject({ status: 'True', reason: R.Progressing, message: health.message });
    }
  });
});
