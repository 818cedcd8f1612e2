import { describe, expect, it } from 'vitest';

import type { GitOpsCondition, GitSync, GitSyncSpec, GitSyncStatus } from '../../src/api/gitops.js';
import { GitOpsAnnotation, GitOpsReason as R } from '../../src/api/gitops-conditions.js';
import {
  hasNewDesiredState,
  pendingRequest,
  periodicSyncDue,
  syncGate,
  type GateFacts,
  type SyncGate,
} from '../../src/decide/gitops/sync-gate.js';
import { failedStatus } from '../../src/decide/gitops/sync-status.js';

const now = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const minute = 60_000;
const revA = 'main@sha1:aaaa';
const revB = 'main@sha1:bbbb';
const requestKey = GitOpsAnnotation.reconcileRequestedAt;

const ready = (
  status: GitOpsCondition['status'],
  reason: string = R.ReconciliationSucceeded,
): GitOpsCondition => ({
  type: 'Ready',
  status,
  reason,
  message: 'm',
  lastTransitionTime: ago(60 * minute),
});

/** Synced at revA, generation 1, one minute ago. */
const synced: GitSyncStatus = {
  observedGeneration: 1,
  lastAppliedRevision: revA,
  lastAppliedDigest: 'sha256:aaaa',
  lastAttemptedRevision: revA,
  lastAppliedTime: ago(10 * minute),
  lastSyncTime: ago(minute),
  conditions: [ready('True')],
};

interface GitSyncOptions {
  spec?: Partial<GitSyncSpec>;
  status?: GitSyncStatus | undefined;
  annotations?: Record<string, string>;
  generation?: number;
}

function gitSync(opts: GitSyncOptions = {}): GitSync {
  return {
    metadata: {
      name: 'app',
      namespace: 'team',
      generation: opts.generation ?? 1,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
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
    ...('status' in opts ? (opts.status ? { status: opts.status } : {}) : { status: synced }),
  };
}

const sourceA = { ok: true, revision: revA, digest: 'sha256:aaaa' } as const;
const sourceB = { ok: true, revision: revB, digest: 'sha256:bbbb' } as const;

function facts(over: Partial<GateFacts> = {}): GateFacts {
  return {
    source: sourceA,
    dependencies: { ready: true, message: 'all dependencies ready' },
    window: { allowed: true, message: 'no sync windows' },
    specErrors: [],
    now,
    ...over,
  };
}

const applyA: SyncGate = { kind: 'sync', mode: 'apply', revision: revA, digest: 'sha256:aaaa' };
const applyB: SyncGate = { kind: 'sync', mode: 'apply', revision: revB, digest: 'sha256:bbbb' };
const detectA: SyncGate = { kind: 'sync', mode: 'detect', revision: revA, digest: 'sha256:aaaa' };
const due: GitSyncStatus = { ...synced, lastSyncTime: ago(6 * minute) };
const depsDown = { dependencies: { ready: false, message: "dependency 'team/db' is not ready" } };
const nextOpen = new Date('2026-03-01T18:00:00Z');
const closed = { window: { allowed: false, message: 'deny window open', nextChange: nextOpen } };

describe('syncGate', () => {
  it.each<[string, GitSyncOptions, Partial<GateFacts>, SyncGate]>([
    [
      'suspended beats everything',
      { spec: { suspend: true } },
      { specErrors: ['bad'], ...depsDown },
      { kind: 'suspended' },
    ],
    ['suspend false is not suspended', { spec: { suspend: false } }, {}, { kind: 'health' }],
    [
      'spec errors: invalid',
      {},
      { specErrors: ['bad path', 'bad window'] },
      { kind: 'invalid', message: 'bad path; bad window' },
    ],
    [
      'source missing: blocked ArtifactFailed, holding',
      {},
      { source: { ok: false, message: "GitRepository 'repo' not found" } },
      {
        kind: 'blocked',
        reason: R.ArtifactFailed,
        message: "GitRepository 'repo' not found",
        holdsNewRevision: true,
      },
    ],
    ['nothing new and not due: health', {}, {}, { kind: 'health' }],
    ['nothing new and not due, dependency down: health', {}, depsDown, { kind: 'health' }],
    ['nothing new and not due, window closed: health', {}, closed, { kind: 'health' }],
    ['nothing new but due: apply', { status: due }, {}, applyA],
    ['never synced: apply', { status: undefined }, {}, applyA],
    ['new revision: apply', {}, { source: sourceB }, applyB],
    [
      'same revision, new digest: apply',
      {},
      { source: { ...sourceA, digest: 'sha256:new' } },
      { ...applyA, digest: 'sha256:new' },
    ],
    ['new generation: apply', { generation: 2 }, {}, applyA],
    [
      'selfHeal off, nothing new, due: detect',
      { spec: { selfHeal: false }, status: due },
      {},
      detectA,
    ],
    [
      'selfHeal off, new revision: apply',
      { spec: { selfHeal: false } },
      { source: sourceB },
      applyB,
    ],
    [
      'selfHeal off, new generation: apply',
      { spec: { selfHeal: false }, generation: 2 },
      {},
      applyA,
    ],
    ['pending request, not due: apply', { annotations: { [requestKey]: 'r1' } }, {}, applyA],
    [
      'pending request, selfHeal off: a requested sync applies',
      { annotations: { [requestKey]: 'r1' }, spec: { selfHeal: false } },
      {},
      applyA,
    ],
    [
      'handled request, not due: health',
      { annotations: { [requestKey]: 'r1' }, status: { ...synced, lastHandledReconcileAt: 'r1' } },
      {},
      { kind: 'health' },
    ],
    [
      'dependency down, new revision: blocked, holding',
      {},
      { source: sourceB, ...depsDown },
      {
        kind: 'blocked',
        reason: R.DependencyNotReady,
        message: depsDown.dependencies.message,
        holdsNewRevision: true,
      },
    ],
    [
      'dependency down, periodic: blocked, not holding',
      { status: due },
      depsDown,
      {
        kind: 'blocked',
        reason: R.DependencyNotReady,
        message: depsDown.dependencies.message,
        holdsNewRevision: false,
      },
    ],
    [
      'dependency and window both: the dependency is named',
      {},
      { source: sourceB, ...depsDown, ...closed },
      {
        kind: 'blocked',
        reason: R.DependencyNotReady,
        message: depsDown.dependencies.message,
        holdsNewRevision: true,
      },
    ],
    [
      'window closed, new revision: blocked with the revision and retryAt',
      {},
      { source: sourceB, ...closed },
      {
        kind: 'blocked',
        reason: R.SyncWindowClosed,
        message: `revision ${revB} held: deny window open`,
        holdsNewRevision: true,
        retryAt: nextOpen,
      },
    ],
    [
      'window closed, periodic, no next change: blocked without retryAt',
      { status: due },
      { window: { allowed: false, message: 'deny window open' } },
      {
        kind: 'blocked',
        reason: R.SyncWindowClosed,
        message: 'deny window open',
        holdsNewRevision: false,
      },
    ],
    [
      'window closed, pending request: blocked',
      { annotations: { [requestKey]: 'r1' } },
      closed,
      {
        kind: 'blocked',
        reason: R.SyncWindowClosed,
        message: 'deny window open',
        holdsNewRevision: false,
        retryAt: nextOpen,
      },
    ],
  ])('%s', (_name, opts, over, expected) => {
    expect(syncGate(gitSync(opts), facts(over))).toEqual(expected);
  });

  // Bug (sync-gate + sync-status): failedStatus records observedGeneration for a pass that
  // applied nothing, so hasNewDesiredState forgets the spec change. Once the dependency is
  // ready the new spec waits for the periodic sync, and with selfHeal off that sync only
  // detects: the changed spec is never applied.
  it('a spec change held by a dependency is applied once the dependency is ready', () => {
    const edited = gitSync({ generation: 2, spec: { selfHeal: false } });
    const held = syncGate(edited, facts(depsDown));
    expect(held).toMatchObject({ kind: 'blocked', holdsNewRevision: true });
    const after = failedStatus(
      edited,
      { reason: R.DependencyNotReady, message: depsDown.dependencies.message, startedAt: now },
      now,
    );
    const later = new Date(now.getTime() + 30_000);
    expect(syncGate({ ...edited, status: after.status }, facts({ now: later }))).toEqual(applyA);
  });
});

describe('pendingRequest', () => {
  it.each<[string, Record<string, string> | undefined, string | undefined, string | undefined]>([
    ['no annotations', undefined, undefined, undefined],
    ['other annotations', { other: 'x' }, undefined, undefined],
    ['a request never handled', { [requestKey]: 'r1' }, undefined, 'r1'],
    ['a request handled already', { [requestKey]: 'r1' }, 'r1', undefined],
    ['a newer request', { [requestKey]: 'r2' }, 'r1', 'r2'],
    ['an empty value', { [requestKey]: '' }, undefined, undefined],
  ])('%s', (_name, annotations, handled, expected) => {
    const gs = gitSync({
      ...(annotations ? { annotations } : {}),
      status: { ...synced, ...(handled ? { lastHandledReconcileAt: handled } : {}) },
    });
    expect(pendingRequest(gs)).toBe(expected);
  });
});

describe('hasNewDesiredState', () => {
  it.each<
    [string, GitSyncStatus | undefined, number, { revision: string; digest: string }, boolean]
  >([
    ['all the same', synced, 1, sourceA, false],
    ['new revision', synced, 1, sourceB, true],
    ['new digest', synced, 1, { ...sourceA, digest: 'sha256:x' }, true],
    ['new generation', synced, 2, sourceA, true],
    ['no status', undefined, 1, sourceA, true],
    [
      'attempted but never applied',
      { lastAttemptedRevision: revA, observedGeneration: 1 },
      1,
      sourceA,
      true,
    ],
  ])('%s', (_name, status, generation, source, expected) => {
    expect(hasNewDesiredState(gitSync({ status, generation }), source)).toBe(expected);
  });
});

describe('periodicSyncDue', () => {
  const { lastSyncTime: _never, ...neverTimed } = synced;
  const at = (ms: number, conditions?: GitOpsCondition[]): GitSyncStatus => ({
    ...synced,
    lastSyncTime: ago(ms),
    ...(conditions ? { conditions } : {}),
  });
  it.each<[string, Partial<GitSyncSpec>, GitSyncStatus | undefined, boolean]>([
    ['never synced', {}, undefined, true],
    ['no lastSyncTime', {}, neverTimed, true],
    ['just before the interval', {}, at(5 * minute - 1000), false],
    ['exactly the interval', {}, at(5 * minute), true],
    ['past the interval', {}, at(6 * minute), true],
    ['a Go duration interval, not yet', { interval: '1h30m' }, at(89 * minute), false],
    ['a Go duration interval, due', { interval: '1h30m' }, at(90 * minute), true],
    [
      'failed: retryInterval due',
      { retryInterval: '30s' },
      at(31_000, [ready('False', R.ApplyFailed)]),
      true,
    ],
    [
      'failed: retryInterval not yet',
      { retryInterval: '30s' },
      at(29_000, [ready('False', R.ApplyFailed)]),
      false,
    ],
    [
      'failed without retryInterval: the interval',
      {},
      at(minute, [ready('False', R.ApplyFailed)]),
      false,
    ],
    ['ready: retryInterval ignored', { retryInterval: '30s' }, at(minute), false],
    [
      'Ready Unknown: retryInterval ignored',
      { retryInterval: '30s' },
      at(minute, [ready('Unknown', R.Progressing)]),
      false,
    ],
  ])('%s', (_name, spec, status, expected) => {
    expect(periodicSyncDue(gitSync({ spec, status }), now)).toBe(expected);
  });
});
