// The pure parts of the GitOps plugin commands: kind words, the patches sync/suspend/resume send,
// when a requested reconcile is done, the list rows and the `get gitsync` summary, and that the
// commands sit where people will look for them.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import type { GitOpsCondition, GitRepository, GitSync } from '../../src/api/gitops.js';
import { addGlobalOptions } from '../../src/cli/plugin/context.js';
import { registerControlCommands } from '../../src/cli/plugin/control-commands.js';
import { registerGitOpsCommands } from '../../src/cli/plugin/gitops-commands.js';
import {
  conditionText,
  oneLine,
  parseGitOpsKind,
  reconcileOutcome,
  reconcileRequestPatch,
  resumeTargets,
  shortRevision,
  sourceOf,
  suspendPatch,
  type GitOpsKind,
  type GitOpsObject,
} from '../../src/cli/plugin/gitops-info.js';
import {
  conditionStyle,
  gitSyncRow,
  gitSyncSummary,
  historyRow,
  renderGitSyncList,
  type GitSyncRow,
} from '../../src/cli/plugin/render-gitsync.js';
import { registerViewCommands } from '../../src/cli/plugin/view-commands.js';

const now = Date.parse('2025-06-01T12:00:00Z');
const sha = (c: string): string => c.repeat(40);
const rev = `main@sha1:${sha('a')}`;

function cond(type: string, status: string, reason = 'R', message = ''): GitOpsCondition {
  return { type, status, reason, message, lastTransitionTime: '2025-06-01T11:00:00Z' };
}

function gitsync(
  name: string,
  opts: { suspend?: boolean; status?: GitSync['status']; created?: string; ns?: string } = {},
): GitOpsObject & GitSync {
  return {
    metadata: {
      name,
      namespace: opts.ns ?? 'apps',
      ...(opts.created ? { creationTimestamp: opts.created } : {}),
    },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'site' },
      path: './deploy',
      interval: '5m',
      timeout: '5m',
      prune: true,
      selfHeal: true,
      wait: false,
      ...(opts.suspend === undefined ? {} : { suspend: opts.suspend }),
    },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

describe('parseGitOpsKind', () => {
  it.each<[string, GitOpsKind | undefined]>([
    ['gitsync', 'gitsync'],
    ['GitSync', 'gitsync'],
    ['gitsyncs', 'gitsync'],
    ['gs', 'gitsync'],
    ['gitrepository', 'gitrepository'],
    ['GitRepositories', 'gitrepository'],
    ['gitrepo', 'gitrepository'],
    ['rollout', undefined],
    ['', undefined],
  ])('%s', (text, kind) => {
    expect(parseGitOpsKind(text)).toBe(kind);
  });
});

describe('patches', () => {
  const at = '2025-06-01T12:00:00.000Z';
  const annotations = { 'ramp.dev/reconcile-requested-at': at };
  it.each<[string, unknown, unknown]>([
    ['sync', reconcileRequestPatch(at), { metadata: { annotations } }],
    ['suspend', suspendPatch(true, at), { spec: { suspend: true } }],
    ['resume', suspendPatch(false, at), { metadata: { annotations }, spec: { suspend: false } }],
  ])('%s', (_what, patch, expected) => {
    expect(patch).toEqual(expected);
  });
});

describe('reconcileOutcome', () => {
  const at = '2025-06-01T12:00:00.000Z';
  const ready = cond('Ready', 'True', 'ReconciliationSucceeded', 'ok');
  const failed = cond('Ready', 'False', 'ApplyFailed', 'boom');
  it.each<[string, GitSync['status'], ReturnType<typeof reconcileOutcome>]>([
    ['no status yet', undefined, { state: 'waiting' }],
    ['an older request handled', { lastHandledReconcileAt: 'earlier' }, { state: 'waiting' }],
    [
      'handled, Ready',
      { lastHandledReconcileAt: at, conditions: [ready] },
      { state: 'done', ready },
    ],
    ['handled, no Ready', { lastHandledReconcileAt: at }, { state: 'done', ready: undefined }],
    [
      'handled, Ready False',
      { lastHandledReconcileAt: at, conditions: [failed] },
      { state: 'failed', ready: failed },
    ],
    [
      'handled, Ready Unknown',
      { lastHandledReconcileAt: at, conditions: [cond('Ready', 'Unknown')] },
      { state: 'done', ready: cond('Ready', 'Unknown') },
    ],
  ])('%s', (_what, status, expected) => {
    expect(reconcileOutcome(status ? { status } : {}, at)).toEqual(expected);
  });
});

describe('small texts', () => {
  it.each<[string | undefined, string]>([
    [rev, `main@sha1:${'a'.repeat(12)}`],
    [`v1.2.0@sha1:${sha('b')}`, `v1.2.0@sha1:${'b'.repeat(12)}`],
    ['main@sha1:abc', 'main@sha1:abc'],
    ['', ''],
    [undefined, ''],
  ])('shortRevision(%s) = %s', (revision, expected) => {
    expect(shortRevision(revision)).toBe(expected);
  });

  it.each<[GitOpsCondition | undefined, string]>([
    [undefined, 'Unknown'],
    [cond('Ready', 'True', 'Succeeded', 'fine'), 'True Succeeded: fine'],
    [cond('Ready', 'False', 'ApplyFailed', 'a\n  b'), 'False ApplyFailed: a b'],
    [cond('Ready', 'Unknown', 'Progressing'), 'Unknown Progressing'],
  ])('conditionText %#', (c, expected) => {
    expect(conditionText(c)).toBe(expected);
  });

  it.each<[string | undefined, string]>([
    [undefined, ''],
    ['one line', 'one line'],
    [' a\nb \n\n c ', 'a b c'],
  ])('oneLine(%j) = %j', (text, expected) => {
    expect(oneLine(text)).toBe(expected);
  });

  it.each<[string, string | undefined, string | undefined]>([
    ['Ready', 'True', 'green'],
    ['Ready', 'False', 'red'],
    ['Ready', 'Unknown', 'yellow'],
    ['Ready', undefined, 'yellow'],
    ['Healthy', 'False', 'red'],
    ['Stalled', 'True', 'red'],
    ['Stalled', 'False', 'green'],
    ['Reconciling', 'True', 'blue'],
    ['Reconciling', 'False', 'green'],
  ])('conditionStyle(%s, %s) = %s', (type, status, style) => {
    expect(conditionStyle(type, status)).toBe(style);
  });

  it.each<[string | undefined, { namespace: string; name: string }]>([
    [undefined, { namespace: 'apps', name: 'site' }],
    ['sources', { namespace: 'sources', name: 'site' }],
  ])('sourceOf with sourceRef.namespace %s', (namespace, expected) => {
    const gs = gitsync('web');
    if (namespace) gs.spec.sourceRef.namespace = namespace;
    expect(sourceOf(gs)).toEqual(expected);
  });

  it('historyRow', () => {
    expect(
      historyRow(
        {
          revision: rev,
          startedAt: '2025-06-01T11:55:00Z',
          durationSeconds: 12.345,
          result: 'Failed',
          message: 'x:\ny',
        },
        now,
      ),
    ).toEqual([`main@sha1:${'a'.repeat(12)}`, 'Failed', '5m ago', '12.3s', 'x: y']);
  });
});

describe('list gitsyncs', () => {
  const healthy = gitsync('web', {
    created: '2025-06-01T11:00:00Z',
    status: {
      lastAppliedRevision: rev,
      conditions: [
        cond('Ready', 'True', 'ReconciliationSucceeded', `Applied revision: ${rev}`),
        cond('Healthy', 'True'),
      ],
    },
  });
  const fresh = gitsync('api', { suspend: true, created: '2025-06-01T11:59:30Z' });
  const other = gitsync('db', {
    ns: 'data',
    status: { conditions: [cond('Ready', 'False', 'X', 'no\nway')] },
  });

  it.each<[string, GitOpsObject & GitSync, GitSyncRow]>([
    [
      'ready and healthy',
      healthy,
      {
        namespace: 'apps',
        name: 'web',
        revision: `main@sha1:${'a'.repeat(12)}`,
        ready: 'True',
        healthy: 'True',
        suspended: 'false',
        age: '60m',
        message: `Applied revision: ${rev}`,
      },
    ],
    [
      'new and suspended, no status',
      fresh,
      {
        namespace: 'apps',
        name: 'api',
        revision: '',
        ready: 'Unknown',
        healthy: 'Unknown',
        suspended: 'true',
        age: '30s',
        message: '',
      },
    ],
    [
      'failed, message on one line, no creation time',
      other,
      {
        namespace: 'data',
        name: 'db',
        revision: '',
        ready: 'False',
        healthy: 'Unknown',
        suspended: 'false',
        age: '',
        message: 'no way',
      },
    ],
  ])('%s', (_what, gs, row) => {
    expect(gitSyncRow(gs, now)).toEqual(row);
  });

  it.each<[boolean, string]>([
    [
      false,
      [
        'NAME  REVISION                READY    HEALTHY  SUSPENDED  AGE  MESSAGE',
        'api                           Unknown  Unknown  true       30s',
        'db                            False    Unknown  false           no way',
        `web   main@sha1:aaaaaaaaaaaa  True     True     false      60m  Applied revision: ${rev}`,
        '',
      ].join('\n'),
    ],
    [
      true,
      [
        'NAMESPACE  NAME  REVISION                READY    HEALTHY  SUSPENDED  AGE  MESSAGE',
        'apps       api                           Unknown  Unknown  true       30s',
        `apps       web   main@sha1:aaaaaaaaaaaa  True     True     false      60m  Applied revision: ${rev}`,
        'data       db                            False    Unknown  false           no way',
        '',
      ].join('\n'),
    ],
  ])('the table (allNamespaces %s), sorted', (allNamespaces, text) => {
    expect(renderGitSyncList([healthy, other, fresh], { now, color: false, allNamespaces })).toBe(
      text,
    );
  });
});

describe('get gitsync', () => {
  const repository: GitRepository = {
    metadata: { name: 'site', namespace: 'apps' },
    spec: { url: 'https://git.example.com/site.git', interval: '1m', timeout: '60s' },
    status: {
      artifact: { revision: rev, digest: 'sha256:x', lastUpdateTime: '2025-06-01T11:00:00Z' },
      lastFetchTime: '2025-06-01T11:59:00Z',
      conditions: [cond('Ready', 'True')],
    },
  };
  const full = gitsync('web', {
    status: {
      lastAppliedRevision: rev,
      lastAttemptedRevision: `main@sha1:${sha('b')}`,
      lastAppliedTime: '2025-06-01T11:50:00Z',
      conditions: [
        cond('Ready', 'False', 'ApplyFailed', 'Deployment/apps/web: invalid'),
        cond('Stalled', 'False', 'Succeeded'),
        cond('Healthy', 'True', 'Healthy', 'all healthy'),
      ],
      inventory: Array.from({ length: 22 }, (_, i) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'apps',
        name: `c${i}`,
      })),
      drift: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'c1' }],
      history: Array.from({ length: 7 }, (_, i) => ({
        revision: rev,
        startedAt: '2025-06-01T11:50:00Z',
        durationSeconds: i,
        result: i === 0 ? 'Failed' : 'Succeeded',
      })),
    },
  });
  full.spec.dependsOn = [
    { name: 'base' },
    { name: 'infra', namespace: 'platform' },
    { name: 'db', namespace: 'apps' },
  ];
  full.spec.syncWindows = [
    { kind: 'deny', schedule: '0 22 * * *', duration: '8h' },
    {
      kind: 'allow',
      schedule: '0 9 * * 1-5',
      duration: '1h',
      timeZone: 'Europe/Berlin',
      manualSync: true,
    },
  ];

  it('the whole summary', () => {
    const lines = gitSyncSummary({ gitsync: full, repository }, { now, color: false });
    expect(lines).toEqual([
      'Name:          web',
      'Namespace:     apps',
      'Source:        GitRepository apps/site',
      '  URL:         https://git.example.com/site.git',
      `  Artifact:    ${rev} · fetched 60s ago`,
      'Path:          ./deploy',
      `Applied:       ${rev} · 10m ago`,
      `Attempted:     main@sha1:${sha('b')}`,
      'Suspended:     false',
      'Conditions:',
      '  Ready        False  ApplyFailed  Deployment/apps/web: invalid',
      '  Reconciling  -',
      '  Stalled      False  Succeeded',
      '  Healthy      True   Healthy      all healthy',
      'Sync windows:',
      '  deny   0 22 * * *   for 8h  UTC',
      '  allow  0 9 * * 1-5  for 1h  Europe/Berlin  manual sync allowed',
      'Depends on:    base, platform/infra, db',
      'Inventory:     22 objects',
      ...Array.from({ length: 20 }, (_, i) => `  ConfigMap/apps/c${i} (v1)`),
      '  … 2 more',
      'Drift:         ConfigMap/apps/c1',
      'History:',
      '  REVISION                RESULT     STARTED  DURATION  MESSAGE',
      `  main@sha1:aaaaaaaaaaaa  Failed     10m ago  0.0s`,
      ...[1, 2, 3, 4].map((i) => `  main@sha1:aaaaaaaaaaaa  Succeeded  10m ago  ${i}.0s`),
    ]);
  });

  it.each<[string, string | undefined, string]>([
    ['missing', undefined, 'Source:        GitRepository apps/site (not found)'],
    ['forbidden', 'forbidden: no', 'Source:        GitRepository apps/site (forbidden: no)'],
  ])('a source that is %s', (_what, problem, line) => {
    const lines = gitSyncSummary(
      { gitsync: gitsync('web'), repositoryProblem: problem },
      { now, color: false },
    );
    expect(lines[2]).toBe(line);
    expect(lines[3]).toBe('Path:          ./deploy');
  });

  it('a source that is not Ready says why', () => {
    const broken: GitRepository = {
      ...repository,
      status: { conditions: [cond('Ready', 'False', 'AuthenticationFailed', 'bad\ntoken')] },
    };
    const lines = gitSyncSummary(
      { gitsync: gitsync('web'), repository: broken },
      { now, color: false },
    );
    expect(lines.slice(3, 6)).toEqual([
      '  URL:         https://git.example.com/site.git',
      '  Artifact:    none',
      '  Ready:       False AuthenticationFailed: bad token',
    ]);
  });

  it('colour only when asked', () => {
    const plain = gitSyncSummary({ gitsync: full, repository }, { now, color: false }).join('\n');
    const coloured = gitSyncSummary({ gitsync: full, repository }, { now, color: true }).join('\n');
    expect(plain).not.toContain('\x1b[');
    expect(coloured).toContain('\x1b[31mFalse\x1b[39m');
  });
});

describe('registration', () => {
  function program(): Command {
    const p = addGlobalOptions(new Command('kubectl-ramp'));
    registerViewCommands(p);
    registerControlCommands(p);
    registerGitOpsCommands(p);
    return p;
  }

  it.each<[string[], string]>([
    [['get', 'gitsync'], 'gitsync'],
    [['get', 'rollout'], 'rollout'],
    [['list', 'gitsyncs'], 'gitsyncs'],
    [['list', 'rollouts'], 'rollouts'],
    [['sync'], 'sync'],
    [['suspend'], 'suspend'],
    [['resume'], 'resume'],
  ])('%j is a command', (path, name) => {
    let cmd: Command | undefined = program();
    for (const word of path) cmd = cmd?.commands.find((c) => c.name() === word);
    expect(cmd?.name()).toBe(name);
  });

  it('resume keeps its rollout meaning and gains a kind word and --kind', () => {
    const resume = program().commands.find((c) => c.name() === 'resume');
    expect(resume?.options.map((o) => o.long)).toEqual(['--kind']);
    expect(resume?.registeredArguments.map((a) => a.name())).toEqual(['args']);
  });
});

describe('resumeTargets', () => {
  it.each<[string[], GitOpsKind | undefined, { kind: string; names: string[] }]>([
    [['web'], undefined, { kind: 'rollout', names: ['web'] }],
    [['web', 'api'], undefined, { kind: 'rollout', names: ['web', 'api'] }],
    [['rollout', 'web'], undefined, { kind: 'rollout', names: ['web'] }],
    [['gitsync', 'apps'], undefined, { kind: 'gitsync', names: ['apps'] }],
    [['gs', 'a', 'b'], undefined, { kind: 'gitsync', names: ['a', 'b'] }],
    [['GitRepository', 'repo'], undefined, { kind: 'gitrepository', names: ['repo'] }],
    [['apps'], 'gitsync', { kind: 'gitsync', names: ['apps'] }],
    [['gitsync', 'apps'], 'gitsync', { kind: 'gitsync', names: ['apps'] }],
    // A rollout that happens to be called "gitsync" is still resumable on its own.
    [['gitsync'], undefined, { kind: 'rollout', names: ['gitsync'] }],
  ])('%j with --kind %s → %j', (args, kind, want) => {
    expect(resumeTargets(args, kind)).toEqual(want);
  });
});
