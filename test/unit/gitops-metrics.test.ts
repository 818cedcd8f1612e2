// The GitOps metrics as Prometheus reads them: gitops_condition follows the last status set (no
// stale series after a change), forget drops everything, the cap bounds objects, and reconcile
// timing is per kind.
import { describe, expect, it } from 'vitest';

import {
  createControllerMetrics,
  type ControllerMetrics,
  type GitOpsSnapshot,
} from '../../src/observability/metrics.js';

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of one series name in an exposition (label values in tests need no escaping). */
function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g))
      labels[k!] = v!;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

const quiet = (maxSeries?: number): ControllerMetrics =>
  createControllerMetrics({ defaultMetrics: false, version: '9.9.9', maxSeries });

const ready = (status: string, reason: string) => ({ type: 'Ready', status, reason });
const healthy = (status: string, reason: string) => ({ type: 'Healthy', status, reason });

function sync(over: Partial<GitOpsSnapshot> = {}): GitOpsSnapshot {
  return {
    kind: 'GitSync',
    namespace: 'apps',
    name: 'web',
    conditions: [ready('True', 'ReconciliationSucceeded'), healthy('True', 'Healthy')],
    suspended: false,
    ...over,
  };
}

/** gitops_condition as "kind ns/name type=status/reason" lines, sorted, with their values. */
async function conditions(m: ControllerMetrics): Promise<string[]> {
  return samples(await m.registry.metrics(), 'gitops_condition')
    .map(
      ({ labels: l, value }) =>
        `${l.kind} ${l.namespace}/${l.name} ${l.type}=${l.status}/${l.reason} ${value}`,
    )
    .sort();
}

describe('gitops_condition', () => {
  it.each<{ name: string; steps: GitOpsSnapshot[]; want: string[] }>([
    {
      name: 'a synced, healthy GitSync has one series per exported condition',
      steps: [sync()],
      want: [
        'GitSync apps/web Healthy=True/Healthy 1',
        'GitSync apps/web Ready=True/ReconciliationSucceeded 1',
      ],
    },
    {
      name: 'Reconciling and Stalled are not exported',
      steps: [
        sync({
          conditions: [
            ready('False', 'BuildFailed'),
            { type: 'Reconciling', status: 'True', reason: 'Progressing' },
            { type: 'Stalled', status: 'True', reason: 'InvalidSpec' },
          ],
        }),
      ],
      want: ['GitSync apps/web Ready=False/BuildFailed 1'],
    },
    {
      name: 'a changed Ready replaces the old series (no stale True)',
      steps: [
        sync(),
        sync({ conditions: [ready('False', 'BuildFailed'), healthy('True', 'Healthy')] }),
      ],
      want: [
        'GitSync apps/web Healthy=True/Healthy 1',
        'GitSync apps/web Ready=False/BuildFailed 1',
      ],
    },
    {
      name: 'a changed reason with the same status replaces the series (Progressing → Degraded)',
      steps: [
        sync({ conditions: [healthy('False', 'Progressing')] }),
        sync({ conditions: [healthy('False', 'Degraded')] }),
      ],
      want: ['GitSync apps/web Healthy=False/Degraded 1'],
    },
    {
      name: 'a GitRepository and a GitSync of the same name are separate objects',
      steps: [
        sync(),
        {
          kind: 'GitRepository',
          namespace: 'apps',
          name: 'web',
          conditions: [ready('False', 'AuthenticationFailed')],
          suspended: false,
        },
      ],
      want: [
        'GitRepository apps/web Ready=False/AuthenticationFailed 1',
        'GitSync apps/web Healthy=True/Healthy 1',
        'GitSync apps/web Ready=True/ReconciliationSucceeded 1',
      ],
    },
    {
      name: 'an object with no conditions yet has no condition series',
      steps: [sync({ conditions: [] })],
      want: [],
    },
  ])('$name', async ({ steps, want }) => {
    const m = quiet();
    for (const s of steps) m.setGitOpsObject(s);
    expect(await conditions(m)).toEqual(want);
  });
});

describe('gitops_suspended', () => {
  it.each([
    { suspended: false, want: 0 },
    { suspended: true, want: 1 },
  ])('is $want when suspended is $suspended', async ({ suspended, want }) => {
    const m = quiet();
    m.setGitOpsObject(sync({ suspended }));
    expect(samples(await m.registry.metrics(), 'gitops_suspended')).toEqual([
      { labels: { kind: 'GitSync', namespace: 'apps', name: 'web' }, value: want },
    ]);
  });
});

describe('forgetGitOpsObject', () => {
  it.each<{ name: string; forget: [GitOpsSnapshot['kind'], string, string]; left: string[] }>([
    {
      name: 'drops every series of the object',
      forget: ['GitSync', 'apps', 'web'],
      left: ['GitSync apps/api Ready=True/ReconciliationSucceeded 1'],
    },
    {
      name: 'leaves an object of the other kind with the same name',
      forget: ['GitRepository', 'apps', 'web'],
      left: [
        'GitSync apps/api Ready=True/ReconciliationSucceeded 1',
        'GitSync apps/web Ready=True/ReconciliationSucceeded 1',
      ],
    },
    {
      name: 'of an unknown object changes nothing',
      forget: ['GitSync', 'other', 'web'],
      left: [
        'GitSync apps/api Ready=True/ReconciliationSucceeded 1',
        'GitSync apps/web Ready=True/ReconciliationSucceeded 1',
      ],
    },
  ])('$name', async ({ forget, left }) => {
    const m = quiet();
    const readyOnly = [ready('True', 'ReconciliationSucceeded')];
    m.setGitOpsObject(sync({ conditions: readyOnly }));
    m.setGitOpsObject(sync({ name: 'api', conditions: readyOnly }));
    m.forgetGitOpsObject(...forget);
    expect(await conditions(m)).toEqual(left);
    const suspended = samples(await m.registry.metrics(), 'gitops_suspended')
      .map((s) => `${s.labels.kind} ${s.labels.namespace}/${s.labels.name}`)
      .sort();
    expect(suspended).toEqual(left.map((l) => l.split(' ').slice(0, 2).join(' ')));
  });
});

describe('the series cap', () => {
  it.each<{
    name: string;
    max: number;
    act: (m: ControllerMetrics) => void;
    names: string[];
    dropped: number;
  }>([
    {
      name: 'refuses objects past the cap and counts them as family gitops',
      max: 2,
      act: (m) => {
        for (const name of ['a', 'b', 'c', 'd']) m.setGitOpsObject(sync({ name }));
      },
      names: ['a', 'b'],
      dropped: 2,
    },
    {
      name: 'lets an admitted object change without counting a drop',
      max: 1,
      act: (m) => {
        m.setGitOpsObject(sync({ name: 'a' }));
        m.setGitOpsObject(sync({ name: 'a', suspended: true }));
      },
      names: ['a'],
      dropped: 0,
    },
    {
      name: 'frees a forgotten object’s place for another',
      max: 1,
      act: (m) => {
        m.setGitOpsObject(sync({ name: 'a' }));
        m.forgetGitOpsObject('GitSync', 'apps', 'a');
        m.setGitOpsObject(sync({ name: 'b' }));
      },
      names: ['b'],
      dropped: 0,
    },
    {
      name: 'counts GitRepositories and GitSyncs under one cap',
      max: 1,
      act: (m) => {
        m.setGitOpsObject(sync({ name: 'a' }));
        m.setGitOpsObject(sync({ kind: 'GitRepository', name: 'a' }));
      },
      names: ['a'],
      dropped: 1,
    },
  ])('$name', async ({ max, act, names, dropped }) => {
    const m = quiet(max);
    act(m);
    const text = await m.registry.metrics();
    expect(samples(text, 'gitops_suspended').map((s) => s.labels.name)).toEqual(names);
    const drops = samples(text, 'ramp_metrics_series_dropped_total');
    expect(drops.find((s) => s.labels.family === 'gitops')?.value).toBe(dropped);
    expect(drops.find((s) => s.labels.family === 'rollout')?.value).toBe(0);
  });
});

describe('gitops reconcile timing', () => {
  it.each<{
    name: string;
    passes: [GitOpsSnapshot['kind'], number, boolean][];
    counts: Record<string, number>;
    errors: Record<string, number>;
  }>([
    {
      name: 'starts every kind at zero',
      passes: [],
      counts: { GitRepository: 0, GitSync: 0 },
      errors: { GitRepository: 0, GitSync: 0 },
    },
    {
      name: 'counts passes and failed passes per kind',
      passes: [
        ['GitSync', 0.2, false],
        ['GitSync', 3, true],
        ['GitRepository', 0.05, false],
      ],
      counts: { GitRepository: 1, GitSync: 2 },
      errors: { GitRepository: 0, GitSync: 1 },
    },
    {
      name: 'ignores a NaN duration but still counts the error',
      passes: [['GitSync', Number.NaN, true]],
      counts: { GitRepository: 0, GitSync: 0 },
      errors: { GitRepository: 0, GitSync: 1 },
    },
  ])('$name', async ({ passes, counts, errors }) => {
    const m = quiet();
    for (const [kind, seconds, error] of passes) m.observeGitOpsReconcile(kind, seconds, error);
    const text = await m.registry.metrics();
    const byKind = (name: string): Record<string, number> =>
      Object.fromEntries(
        samples(text, name).map((s): [string, number] => [s.labels.kind ?? '', s.value]),
      );
    expect(byKind('gitops_reconcile_duration_seconds_count')).toEqual(counts);
    expect(byKind('gitops_reconcile_errors_total')).toEqual(errors);
    // No per-object labels: one series per kind and bucket.
    for (const s of samples(text, 'gitops_reconcile_duration_seconds_bucket'))
      expect(Object.keys(s.labels).sort()).toEqual(['kind', 'le']);
  });
});
