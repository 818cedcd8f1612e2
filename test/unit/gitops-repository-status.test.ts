import { describe, expect, it } from 'vitest';

import type { GitOpsCondition, GitRepositoryStatus } from '../../src/api/gitops.js';
import { GitOpsConditionType as T, GitOpsReason as R } from '../../src/api/gitops-conditions.js';
import { conditionOf } from '../../src/decide/gitops/conditions.js';
import {
  repositoryStatus,
  type FetchOutcome,
  type GitOpsEvent,
  type RepositoryPassContext,
} from '../../src/decide/gitops/repository-status.js';

const now = new Date('2026-03-01T12:00:00Z');
const earlier = '2026-03-01T11:00:00.000Z';
const revA = 'main@sha1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const revB = 'main@sha1:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const ctx: RepositoryPassContext = { now, generation: 2, requestedAt: undefined };

const cond = (
  type: string,
  status: GitOpsCondition['status'],
  reason: string,
  message: string,
): GitOpsCondition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: earlier,
  observedGeneration: 1,
});

const stored = (revision: string, digest = `sha256:${revision.slice(-4)}`): FetchOutcome => ({
  kind: 'stored',
  revision,
  digest,
});

const storedA: GitRepositoryStatus = {
  observedGeneration: 1,
  lastFetchTime: earlier,
  artifact: { revision: revA, digest: 'sha256:aaaa', lastUpdateTime: earlier },
  conditions: [cond(T.Ready, 'True', R.Succeeded, `stored artifact for revision '${revA}'`)],
};

const failing = (
  message: string,
  reason: string = R.AuthenticationFailed,
): GitRepositoryStatus => ({
  ...storedA,
  conditions: [cond(T.Ready, 'False', reason, message)],
});

const stalled: GitRepositoryStatus = {
  ...storedA,
  conditions: [
    cond(T.Ready, 'False', R.InvalidSpec, 'bad ref'),
    cond(T.Stalled, 'True', R.InvalidSpec, 'bad ref'),
    cond(T.Reconciling, 'True', R.Progressing, 'working'),
  ],
};

describe('repositoryStatus: stored', () => {
  it.each<[string, GitRepositoryStatus | undefined, FetchOutcome, GitOpsEvent | undefined, string]>(
    [
      [
        'first artifact: NewRevision and a fresh artifact',
        undefined,
        stored(revA),
        { type: 'Normal', reason: R.NewRevision, message: `new revision '${revA}'` },
        now.toISOString(),
      ],
      [
        'same revision again: no event, artifact time kept',
        storedA,
        stored(revA),
        undefined,
        earlier,
      ],
      [
        'a new revision: NewRevision and a fresh artifact',
        storedA,
        stored(revB),
        { type: 'Normal', reason: R.NewRevision, message: `new revision '${revB}'` },
        now.toISOString(),
      ],
      [
        'same revision, other digest counts as new',
        storedA,
        stored(revA, 'sha256:other'),
        { type: 'Normal', reason: R.NewRevision, message: `new revision '${revA}'` },
        now.toISOString(),
      ],
      [
        'recovering from a failure with the same revision: no event',
        failing('auth failed'),
        stored(revA),
        undefined,
        earlier,
      ],
    ],
  )('%s', (_name, prev, outcome, event, lastUpdateTime) => {
    const out = repositoryStatus(prev, outcome, ctx);
    const o = outcome as Extract<FetchOutcome, { kind: 'stored' }>;
    expect(out.event).toEqual(event);
    expect(out.status.artifact).toEqual({ revision: o.revision, digest: o.digest, lastUpdateTime });
    expect(conditionOf(out.status.conditions, T.Ready)).toMatchObject({
      status: 'True',
      reason: R.Succeeded,
      message: `stored artifact for revision '${o.revision}'`,
      observedGeneration: 2,
    });
    expect(out.status.lastFetchTime).toBe(now.toISOString());
  });

  it.each<[string, GitRepositoryStatus | undefined, string]>([
    ['first time', undefined, now.toISOString()],
    ['Ready held True', storedA, earlier],
    ['Ready was False', failing('auth failed'), now.toISOString()],
  ])('Ready transition time: %s', (_name, prev, time) => {
    const out = repositoryStatus(prev, stored(revA), ctx);
    expect(conditionOf(out.status.conditions, T.Ready)?.lastTransitionTime).toBe(time);
  });

  it('a stored artifact clears Stalled and Reconciling', () => {
    const out = repositoryStatus(stalled, stored(revA), ctx);
    expect(out.status.conditions?.map((c) => c.type)).toEqual([T.Ready]);
  });
});

describe('repositoryStatus: failed and invalid', () => {
  const failed = (message: string, reason: string = R.AuthenticationFailed): FetchOutcome => ({
    kind: 'failed',
    reason,
    message,
  });
  const invalid = (message: string): FetchOutcome => ({ kind: 'invalid', message });

  it.each<
    [
      string,
      GitRepositoryStatus | undefined,
      FetchOutcome,
      string,
      string[],
      GitOpsEvent | undefined,
    ]
  >([
    [
      'first failure warns',
      undefined,
      failed('auth failed'),
      R.AuthenticationFailed,
      [T.Ready],
      { type: 'Warning', reason: R.AuthenticationFailed, message: 'auth failed' },
    ],
    [
      'failing after success warns',
      storedA,
      failed('ref not found', R.RefNotFound),
      R.RefNotFound,
      [T.Ready],
      { type: 'Warning', reason: R.RefNotFound, message: 'ref not found' },
    ],
    [
      'the same failure again is not repeated',
      failing('auth failed'),
      failed('auth failed'),
      R.AuthenticationFailed,
      [T.Ready],
      undefined,
    ],
    [
      'a failure with another message warns again',
      failing('auth failed'),
      failed('timeout', R.GitOperationFailed),
      R.GitOperationFailed,
      [T.Ready],
      { type: 'Warning', reason: R.GitOperationFailed, message: 'timeout' },
    ],
    [
      'invalid: Stalled True',
      storedA,
      invalid('bad ref'),
      R.InvalidSpec,
      [T.Ready, T.Stalled],
      { type: 'Warning', reason: R.InvalidSpec, message: 'bad ref' },
    ],
    [
      'invalid again: not repeated',
      stalled,
      invalid('bad ref'),
      R.InvalidSpec,
      [T.Ready, T.Stalled],
      undefined,
    ],
    [
      'a failure after invalid drops Stalled and Reconciling',
      stalled,
      failed('auth failed'),
      R.AuthenticationFailed,
      [T.Ready],
      { type: 'Warning', reason: R.AuthenticationFailed, message: 'auth failed' },
    ],
  ])('%s', (_name, prev, outcome, reason, types, event) => {
    const out = repositoryStatus(prev, outcome, ctx);
    const message = (outcome as { message: string }).message;
    expect(out.event).toEqual(event);
    expect(out.status.conditions?.map((c) => c.type)).toEqual(types);
    expect(conditionOf(out.status.conditions, T.Ready)).toMatchObject({
      status: 'False',
      reason,
      message,
    });
    if (types.includes(T.Stalled))
      expect(conditionOf(out.status.conditions, T.Stalled)).toMatchObject({
        status: 'True',
        reason,
        message,
      });
    expect(out.status.artifact).toEqual(prev?.artifact);
    expect(out.status.lastFetchTime).toBe(now.toISOString());
  });

  it.each<[string, GitRepositoryStatus | undefined, string]>([
    ['Ready was True', storedA, now.toISOString()],
    ['Ready was already False', failing('other'), earlier],
  ])('Ready transition time when failing: %s', (_name, prev, time) => {
    const out = repositoryStatus(prev, failed('auth failed'), ctx);
    expect(conditionOf(out.status.conditions, T.Ready)?.lastTransitionTime).toBe(time);
  });

  // Bug: the Stalled condition is removed before it is set again, so an object that stays
  // Stalled gets a new lastTransitionTime on every pass (metav1.Condition: only on change).
  it('an object that stays Stalled keeps its Stalled transition time', () => {
    const out = repositoryStatus(stalled, invalid('bad ref'), ctx);
    expect(conditionOf(out.status.conditions, T.Stalled)?.lastTransitionTime).toBe(earlier);
  });
});

describe('repositoryStatus: pass context', () => {
  const prev: GitRepositoryStatus = { ...storedA, lastHandledReconcileAt: 'old' };
  it.each<
    [string, FetchOutcome, Partial<RepositoryPassContext>, number | undefined, string | undefined]
  >([
    [
      'stored: generation and request recorded',
      stored(revA),
      { generation: 5, requestedAt: 'req-1' },
      5,
      'req-1',
    ],
    [
      'failed: generation and request recorded',
      { kind: 'failed', reason: R.GitOperationFailed, message: 'x' },
      { generation: 5, requestedAt: 'req-2' },
      5,
      'req-2',
    ],
    [
      'invalid: request recorded',
      { kind: 'invalid', message: 'x' },
      { requestedAt: 'req-3' },
      2,
      'req-3',
    ],
    ['no request keeps the handled one', stored(revA), {}, 2, 'old'],
    ['no generation keeps the observed one', stored(revA), { generation: undefined }, 1, 'old'],
  ])('%s', (_name, outcome, over, observedGeneration, handled) => {
    const out = repositoryStatus(prev, outcome, { ...ctx, ...over });
    expect(out.status.observedGeneration).toBe(observedGeneration);
    expect(out.status.lastHandledReconcileAt).toBe(handled);
    expect(out.status.lastFetchTime).toBe(now.toISOString());
  });

  it('does not change the previous status', () => {
    const before = structuredClone(stalled);
    repositoryStatus(stalled, stored(revB), { ...ctx, requestedAt: 'r' });
    expect(stalled).toEqual(before);
  });
});
