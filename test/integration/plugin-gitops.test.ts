// `kubectl ramp` GitOps commands through the real kubectl (plugin discovery on PATH) against the
// real API server. No controller runs: the GitOps objects carry hand-written status (written through
// the status subresource, as the controller writes it), and where `sync --wait` waits for the
// controller, the test does the controller's part: it sees the annotation and records it handled.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import type { GitRepository, GitSync, InventoryEntry } from '../../src/api/gitops.js';
import { GitOpsAnnotation } from '../../src/api/gitops-conditions.js';
import { rawRequest, resourcePath } from '../../src/kube/raw.js';
import { runCommand, type CommandResult } from '../../src/local/exec.js';
import { packageRoot } from '../../src/version.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
let dir: string;

const annotation = GitOpsAnnotation.reconcileRequestedAt;
const sha = (c: string): string => c.repeat(40);
const revision = `main@sha1:${sha('a')}`;
const older = `main@sha1:${sha('b')}`;
/** Three days ago, in whole seconds (as the controller writes times). */
const t0 = new Date(Date.now() - 3 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');

function path(plural: 'gitsyncs' | 'gitrepositories', name?: string, status = false): string {
  const base = resourcePath({ apiVersion: 'ramp.dev/v1alpha1', plural, namespace: ns.name, name });
  return status ? `${base}/status` : base;
}

async function create(plural: 'gitsyncs' | 'gitrepositories', body: unknown): Promise<void> {
  await rawRequest(ns.kc, { method: 'POST', path: path(plural), body });
}

async function patchStatus(
  plural: 'gitsyncs' | 'gitrepositories',
  name: string,
  status: unknown,
): Promise<void> {
  await rawRequest(ns.kc, {
    method: 'PATCH',
    path: path(plural, name, true),
    body: { status },
    contentType: 'application/merge-patch+json',
  });
}

const readSync = (name: string): Promise<GitSync> =>
  rawRequest<GitSync>(ns.kc, { method: 'GET', path: path('gitsyncs', name) });
const readRepo = (name: string): Promise<GitRepository> =>
  rawRequest<GitRepository>(ns.kc, { method: 'GET', path: path('gitrepositories', name) });

function condition(type: string, status: string, reason: string, message: string) {
  return { type, status, reason, message, lastTransitionTime: t0 };
}

const inventory: InventoryEntry[] = Array.from({ length: 23 }, (_, i) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: 'apps',
  name: `config-${String(i).padStart(2, '0')}`,
}));

/** `kubectl ramp ARGS -n NS` (kubectl passes everything after "ramp" to the plugin). */
function ramp(args: string[]): Promise<CommandResult> {
  const nsFlag = args.includes('-A') || args.includes('-n') ? [] : ['-n', ns.name];
  return runCommand(inject('kubectl'), ['ramp', ...args, ...nsFlag], {
    env: {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      KUBECONFIG: inject('kubeconfig'),
      NO_COLOR: '1',
    },
  });
}

async function ok(args: string[]): Promise<string> {
  const result = await ramp(args);
  expect(result.stderr, `kubectl ramp ${args.join(' ')}`).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** A failure is exactly one line on stderr and the given exit code. */
function expectError(result: CommandResult, line: string, code = 1): void {
  expect(result.stderr).toBe(`kubectl-ramp: ${line}\n`);
  expect(result.code).toBe(code);
}

/** Columns of a table line (separated by two or more spaces). */
function columns(line: string | undefined): string[] {
  return (line ?? '').trim().split(/\s{2,}/);
}

beforeAll(async () => {
  // What `npm link` does: an executable named kubectl-ramp on PATH.
  dir = await mkdtemp(join(tmpdir(), 'ramp-plugin-gitops-'));
  await symlink(
    join(packageRoot, 'dist', 'src', 'cli', 'kubectl-ramp.js'),
    join(dir, 'kubectl-ramp'),
  );
  await installRampCrds(ns.kc);
  await create('gitrepositories', {
    apiVersion: 'ramp.dev/v1alpha1',
    kind: 'GitRepository',
    metadata: { name: 'site' },
    spec: { url: 'https://git.example.com/site.git', ref: { branch: 'main' } },
  });
  await patchStatus('gitrepositories', 'site', {
    artifact: { revision, digest: `sha256:${sha('c')}`, lastUpdateTime: t0 },
    lastFetchTime: t0,
    conditions: [
      condition('Ready', 'True', 'Succeeded', `stored artifact for revision ${revision}`),
    ],
  });
  await create('gitsyncs', {
    apiVersion: 'ramp.dev/v1alpha1',
    kind: 'GitSync',
    metadata: { name: 'web' },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'site' },
      path: './deploy',
      dependsOn: [{ name: 'base' }, { name: 'infra', namespace: 'platform' }],
      syncWindows: [
        {
          kind: 'allow',
          schedule: '0 9 * * 1-5',
          duration: '8h',
          timeZone: 'Europe/Berlin',
          manualSync: true,
        },
      ],
    },
  });
  await patchStatus('gitsyncs', 'web', {
    lastAppliedRevision: revision,
    lastAttemptedRevision: revision,
    lastAppliedTime: t0,
    inventory,
    conditions: [
      condition('Ready', 'True', 'ReconciliationSucceeded', `Applied revision: ${revision}`),
      condition('Reconciling', 'False', 'Succeeded', ''),
      condition('Stalled', 'False', 'Succeeded', ''),
      condition('Healthy', 'True', 'Healthy', 'all 23 objects are healthy'),
    ],
    history: [
      {
        revision,
        startedAt: t0,
        durationSeconds: 2.5,
        result: 'Succeeded',
        message: 'applied 23 objects',
      },
      {
        revision: older,
        startedAt: t0,
        durationSeconds: 0.4,
        result: 'Failed',
        message: 'ConfigMap/apps/x:\ninvalid',
      },
    ],
  });
  await create('gitsyncs', {
    apiVersion: 'ramp.dev/v1alpha1',
    kind: 'GitSync',
    metadata: { name: 'api' },
    spec: { sourceRef: { kind: 'GitRepository', name: 'gone' }, path: './api', suspend: true },
  });
  await patchStatus('gitsyncs', 'api', {
    conditions: [condition('Ready', 'False', 'ArtifactFailed', 'GitRepository "gone" not found')],
  });
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('get gitsync', () => {
  it('summarises source, revisions, conditions, windows, dependencies, inventory and history', async () => {
    const out = await ok(['get', 'gitsync', 'web']);
    const lines = out.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      'Name:          web',
      `Namespace:     ${ns.name}`,
      `Source:        GitRepository ${ns.name}/site`,
      '  URL:         https://git.example.com/site.git',
      expect.stringMatching(new RegExp(`^  Artifact:    ${revision} · fetched .+ ago$`)) as string,
      'Path:          ./deploy',
      expect.stringMatching(new RegExp(`^Applied:       ${revision} · .+ ago$`)) as string,
      `Attempted:     ${revision}`,
      'Suspended:     false',
    ]);
    expect(out).toContain('Conditions:\n');
    expect(lines.map(columns)).toEqual(
      expect.arrayContaining([
        ['Ready', 'True', 'ReconciliationSucceeded', `Applied revision: ${revision}`],
        ['Reconciling', 'False', 'Succeeded'],
        ['Stalled', 'False', 'Succeeded'],
        ['Healthy', 'True', 'Healthy', 'all 23 objects are healthy'],
        ['allow', '0 9 * * 1-5', 'for 8h', 'Europe/Berlin', 'manual sync allowed'],
        ['REVISION', 'RESULT', 'STARTED', 'DURATION', 'MESSAGE'],
        [
          `main@sha1:${'a'.repeat(12)}`,
          'Succeeded',
          expect.stringMatching(/ago$/),
          '2.5s',
          'applied 23 objects',
        ],
        [
          `main@sha1:${'b'.repeat(12)}`,
          'Failed',
          expect.stringMatching(/ago$/),
          '0.4s',
          'ConfigMap/apps/x: invalid',
        ],
      ]),
    );
    expect(lines).toContain('Depends on:    base, platform/infra');
    expect(lines).toContain('Inventory:     23 objects');
    expect(lines).toContain('  ConfigMap/apps/config-00 (v1)');
    expect(lines).toContain('  ConfigMap/apps/config-19 (v1)');
    expect(lines).not.toContain('  ConfigMap/apps/config-20 (v1)');
    expect(lines).toContain('  … 3 more');
  });

  it('shows a source that does not exist, and no revision yet', async () => {
    const out = await ok(['get', 'gs', 'api']);
    expect(out).toContain(`Source:        GitRepository ${ns.name}/gone (not found)\n`);
    expect(out).toContain('Applied:       none\n');
    expect(out).toContain('Suspended:     true\n');
    expect(out).toContain('Sync windows:  none\n');
    expect(out).toContain('Inventory:     0 objects\n');
    expect(out).toContain('History:       none\n');
    expect(columns(out.split('\n').find((l) => l.startsWith('  Ready')))).toEqual([
      'Ready',
      'False',
      'ArtifactFailed',
      'GitRepository "gone" not found',
    ]);
  });

  it.each([
    ['json', (text: string) => JSON.parse(text) as GitSync],
    ['yaml', (text: string) => parseYaml(text) as GitSync],
  ])('-o %s prints the GitSync object', async (format, parse) => {
    const obj = parse(await ok(['get', 'gitsync', 'web', '-o', format]));
    expect(obj.kind).toBe('GitSync');
    expect(obj.metadata.name).toBe('web');
    expect(obj.status?.inventory).toHaveLength(23);
  });

  it('a missing gitsync is one line and exit 1; a bad format too', async () => {
    expectError(
      await ramp(['get', 'gitsync', 'missing']),
      `gitsync "missing" not found in namespace "${ns.name}"`,
    );
    expectError(
      await ramp(['get', 'gitsync', 'web', '-o', 'wide']),
      'unknown output format "wide": use json or yaml',
    );
  });
});

describe('list gitsyncs', () => {
  it('one row per gitsync, sorted by name', async () => {
    const lines = (await ok(['list', 'gitsyncs'])).trimEnd().split('\n');
    expect(columns(lines[0])).toEqual([
      'NAME',
      'REVISION',
      'READY',
      'HEALTHY',
      'SUSPENDED',
      'AGE',
      'MESSAGE',
    ]);
    expect(lines.slice(1).map(columns)).toEqual([
      [
        'api',
        'False',
        'Unknown',
        'true',
        expect.stringMatching(/^\d+s$/),
        'GitRepository "gone" not found',
      ],
      [
        'web',
        `main@sha1:${'a'.repeat(12)}`,
        'True',
        'True',
        'false',
        expect.stringMatching(/^\d+s$/),
        `Applied revision: ${revision}`,
      ],
    ]);
  });

  it('-A adds the NAMESPACE column', async () => {
    const lines = (await ok(['list', 'gitsyncs', '-A'])).trimEnd().split('\n');
    expect(columns(lines[0])[0]).toBe('NAMESPACE');
    const mine = lines
      .filter((l) => l.startsWith(`${ns.name} `))
      .map((l) => columns(l).slice(0, 2));
    expect(mine).toEqual([
      [ns.name, 'api'],
      [ns.name, 'web'],
    ]);
  });

  it('-o json prints a List; an empty namespace is a remark on stderr', async () => {
    const list = JSON.parse(await ok(['list', 'gitsyncs', '-o', 'json'])) as {
      kind: string;
      items: GitSync[];
    };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.metadata.name).sort()).toEqual(['api', 'web']);
    const empty = await ramp(['list', 'gitsyncs', '-n', `${ns.name}-empty`]);
    expect(empty).toEqual({
      code: 0,
      stdout: '',
      stderr: `No resources found in ${ns.name}-empty namespace.\n`,
    });
  });
});

describe('sync', () => {
  it('annotates the gitsync and its gitrepository with the same time', async () => {
    const out = await ok(['sync', 'web']);
    const at = (await readSync('web')).metadata.annotations?.[annotation] ?? '';
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await readRepo('site')).metadata.annotations?.[annotation]).toBe(at);
    expect(out).toBe(
      "gitrepository 'site' fetch requested\n" +
        `gitsync 'web' reconcile requested (${annotation}=${at})\n`,
    );
  });

  it('--no-source leaves the gitrepository alone', async () => {
    const before = (await readRepo('site')).metadata.annotations?.[annotation];
    await new Promise((resolve) => setTimeout(resolve, 10));
    const out = await ok(['sync', 'web', '--no-source']);
    const at = (await readSync('web')).metadata.annotations?.[annotation];
    expect(at).not.toBe(before);
    expect((await readRepo('site')).metadata.annotations?.[annotation]).toBe(before);
    expect(out).toBe(`gitsync 'web' reconcile requested (${annotation}=${at})\n`);
  });

  it('--wait waits for the fetch before asking for the reconcile (the test plays the controller): exit 0', async () => {
    const before = (await readSync('web')).metadata.annotations?.[annotation];
    const repoBefore = (await readRepo('site')).metadata.annotations?.[annotation];
    const running = ramp(['sync', 'web', '--wait', '--timeout', '60s']);
    const at = await handled('gitrepositories', 'site', repoBefore, {
      artifact: { revision: older, digest: `sha256:${sha('d')}`, lastUpdateTime: t0 },
    });
    await handled('gitsyncs', 'web', before, { lastAppliedRevision: older });
    const result = await running;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "gitrepository 'site' fetch requested\n" +
        `gitrepository 'site' fetched ${older}\n` +
        `gitsync 'web' reconcile requested (${annotation}=${at})\n` +
        `gitsync 'web' reconciled: ${older} (Ready True ReconciliationSucceeded: Applied revision: ${revision})\n`,
    );
  });

  it('--wait fails with exit 1 when the reconcile it asked for failed', async () => {
    const before = (await readSync('web')).metadata.annotations?.[annotation];
    const running = ramp(['sync', 'web', '--no-source', '--wait']);
    await handled('gitsyncs', 'web', before, {
      conditions: [condition('Ready', 'False', 'ApplyFailed', 'ConfigMap/apps/x: invalid')],
    });
    expectError(
      await running,
      'gitsync "web" failed: False ApplyFailed: ConfigMap/apps/x: invalid',
    );
  });

  it('--timeout runs out with exit 2 when nothing handles the request', async () => {
    expectError(
      await ramp(['sync', 'web', '--no-source', '--timeout', '2s']),
      'timed out after 2s waiting for gitsync "web" to handle the reconcile request',
      2,
    );
  });

  it('refuses a suspended gitsync and a missing one', async () => {
    expectError(
      await ramp(['sync', 'api']),
      'gitsync "api" is suspended: resume it first (kubectl ramp resume gitsync api)',
    );
    expectError(await ramp(['sync', 'nope']), `gitsync "nope" not found in namespace "${ns.name}"`);
  });
});

/**
 * The controller's part: waits until `name` carries a reconcile request newer than `before`, then
 * records it handled (with `status`) and returns the requested time.
 */
async function handled(
  plural: 'gitsyncs' | 'gitrepositories',
  name: string,
  before: string | undefined,
  status: Record<string, unknown>,
): Promise<string> {
  let at = '';
  await waitFor(`a new ${annotation} on ${plural}/${name}`, async () => {
    const obj = plural === 'gitsyncs' ? await readSync(name) : await readRepo(name);
    at = obj.metadata.annotations?.[annotation] ?? '';
    return at !== '' && at !== before;
  });
  await patchStatus(plural, name, { ...status, lastHandledReconcileAt: at });
  return at;
}

describe('suspend and resume', () => {
  it('suspend sets spec.suspend; resume --kind gitsync clears it and asks for a reconcile', async () => {
    expect(await ok(['suspend', 'web'])).toBe("gitsync 'web' suspended\n");
    expect((await readSync('web')).spec.suspend).toBe(true);
    const before = (await readSync('web')).metadata.annotations?.[annotation];
    expect(await ok(['resume', 'gitsync', 'web'])).toBe("gitsync 'web' resumed\n");
    expect(await ok(['suspend', 'gitsync', 'web'])).toBe("gitsync 'web' suspended\n");
    expect(await ok(['resume', 'web', '--kind', 'gitsync'])).toBe("gitsync 'web' resumed\n");
    const resumed = await readSync('web');
    expect(resumed.spec.suspend).toBe(false);
    expect(resumed.metadata.annotations?.[annotation]).not.toBe(before);
  });

  it('--kind gitrepository acts on the GitRepository', async () => {
    expect(await ok(['suspend', 'site', '--kind', 'gitrepository'])).toBe(
      "gitrepository 'site' suspended\n",
    );
    expect((await readRepo('site')).spec.suspend).toBe(true);
    expect(await ok(['resume', 'site', '--kind', 'gitrepo'])).toBe(
      "gitrepository 'site' resumed\n",
    );
    expect((await readRepo('site')).spec.suspend).toBe(false);
  });

  it('missing objects, bad kinds, and resume without --kind still meaning a rollout', async () => {
    expectError(
      await ramp(['suspend', 'nope']),
      `gitsync "nope" not found in namespace "${ns.name}"`,
    );
    expectError(
      await ramp(['resume', 'nope', '--kind', 'gitrepository']),
      `gitrepository "nope" not found in namespace "${ns.name}"`,
    );
    expectError(
      await ramp(['resume', 'nope']),
      `rollout "nope" in namespace "${ns.name}" not found`,
    );
    const bad = await ramp(['suspend', 'web', '--kind', 'deployment']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('expected gitsync or gitrepository');
  });
});
