// The GitOps loop end to end: a real git server on loopback, the real `ramp controller`, a real
// API server. Commits are applied, drift is reverted, removed files are pruned, dependencies are
// waited for, webhooks trigger at once, and bad sources never prune.
import { inject, afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCommand } from '../../src/local/exec.js';
import { useController } from '../support/controller.js';
import { startTestGit, type TestGit, type WorkRepo } from '../support/git-repo.js';
import {
  condition,
  configMapYaml,
  deploymentYaml,
  githubSignature,
  gitopsClient,
  waitForSyncCondition,
  webhookPort,
} from '../support/gitops.js';
import { useTestNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

const env = useTestNamespace(import.meta.url);
const controller = useController(env);
const gitops = gitopsClient(env.kc, env.name);
let git: TestGit;

beforeAll(async () => {
  git = await startTestGit();
});
afterAll(async () => {
  await git.stop();
});

async function deployment(name: string) {
  return env.apps.readNamespacedDeployment({ name, namespace: env.name }).catch(() => undefined);
}

async function kubectl(...args: string[]): Promise<string> {
  const result = await runCommand(inject('kubectl'), [
    '--kubeconfig',
    inject('kubeconfig'),
    '-n',
    env.name,
    ...args,
  ]);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A repository with one commit, a GitRepository polling it every `interval`, and a GitSync. */
async function setUp(
  name: string,
  files: Record<string, string>,
  opts: { repoInterval?: string; sync?: Record<string, unknown>; secret?: string } = {},
): Promise<WorkRepo> {
  const repo = await git.repo(name);
  await repo.write(files);
  await repo.commit('initial');
  if (opts.secret)
    await env.core.createNamespacedSecret({
      namespace: env.name,
      body: { metadata: { name: `${name}-hook` }, stringData: { token: opts.secret } },
    });
  await gitops.createRepository(name, {
    url: repo.url,
    interval: opts.repoInterval ?? '2s',
    ...(opts.secret ? { webhookSecretRef: { name: `${name}-hook` } } : {}),
  });
  await gitops.createSync(name, { sourceRef: { name }, interval: '1m', prune: true, ...opts.sync });
  return repo;
}

describe('GitSync', () => {
  it('applies a commit that adds a Deployment within the interval, and records the revision', async () => {
    const repo = await setUp(
      'adds',
      { 'apps/cm.yaml': configMapYaml('adds-config', { a: '1' }) },
      { sync: { path: 'apps' } },
    );
    await waitForSyncCondition(gitops, 'adds', { type: 'Ready', status: 'True' });
    const sha = await (async () => {
      await repo.write({ 'apps/web.yaml': deploymentYaml('adds-web') });
      return repo.commit('add web');
    })();
    await waitFor('adds-web applied', async () => (await deployment('adds-web')) !== undefined, {
      timeoutMs: 30_000,
    });
    const synced = await waitForSyncCondition(gitops, 'adds', {
      type: 'Ready',
      status: 'True',
      message: new RegExp(sha),
    });
    expect(synced.status?.lastAppliedRevision).toBe(`main@sha1:${sha}`);
    expect(synced.status?.inventory?.map((e) => `${e.kind}/${e.name}`).sort()).toEqual([
      'ConfigMap/adds-config',
      'Deployment/adds-web',
    ]);
    expect(synced.status?.history?.[0]).toMatchObject({
      revision: `main@sha1:${sha}`,
      result: 'Succeeded',
    });
    const web = await deployment('adds-web');
    expect(web?.metadata?.labels?.['gitsync.ramp.dev/name']).toBe('adds');
    expect(
      web?.metadata?.managedFields?.some((f) => f.manager === 'ramp' && f.operation === 'Apply'),
    ).toBe(true);
    await waitForSyncCondition(gitops, 'adds', { type: 'Healthy', status: 'True' });
  });

  it('applies a push at once when the webhook is called (the poll interval is an hour)', async () => {
    const secret = 'hook-secret-123';
    const repo = await setUp(
      'hooked',
      { 'a.yaml': configMapYaml('hooked-a', { v: '1' }) },
      { repoInterval: '1h', secret },
    );
    await waitForSyncCondition(gitops, 'hooked', { type: 'Ready', status: 'True' });
    await repo.write({ 'b.yaml': configMapYaml('hooked-b', { v: '2' }) });
    await repo.commit('add b');
    const port = webhookPort(controller.process.logs());
    expect(port).toBeDefined();
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const url = `http://127.0.0.1:${port}/hooks/${env.name}/hooked`;
    const unsigned = await fetch(url, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'X-Hub-Signature-256': githubSignature(secret, body), 'X-GitHub-Event': 'push' },
    });
    expect(response.status).toBe(202);
    await waitFor(
      'hooked-b applied',
      async () =>
        (await env.core
          .readNamespacedConfigMap({ name: 'hooked-b', namespace: env.name })
          .catch(() => undefined)) !== undefined,
      { timeoutMs: 20_000 },
    );
  });

  it('reverts a Deployment edited with kubectl (self-heal), including a field kubectl added', async () => {
    await setUp(
      'healed',
      { 'web.yaml': deploymentYaml('healed-web', { replicas: 1 }) },
      { sync: { interval: '3s' } },
    );
    await waitFor('healed-web applied', async () => (await deployment('healed-web')) !== undefined);
    await kubectl('scale', 'deployment/healed-web', '--replicas=3');
    await kubectl('label', 'deployment/healed-web', 'edited-by=hand');
    await waitFor(
      'healed-web reverted',
      async () => {
        const d = await deployment('healed-web');
        return d?.spec?.replicas === 1 && d.metadata?.labels?.['edited-by'] === undefined;
      },
      { timeoutMs: 30_000 },
    );
    const managers =
      (await deployment('healed-web'))?.metadata?.managedFields?.map((f) => f.manager) ?? [];
    expect(managers.filter((m) => m?.startsWith('kubectl'))).toEqual([]);
  });

  it('only reports drift when selfHeal is off', async () => {
    await setUp(
      'watched',
      { 'cm.yaml': configMapYaml('watched-cm', { v: '1' }) },
      { sync: { interval: '3s', selfHeal: false } },
    );
    await waitForSyncCondition(gitops, 'watched', { type: 'Ready', status: 'True' });
    await kubectl('patch', 'configmap/watched-cm', '--type=merge', '-p', '{"data":{"v":"2"}}');
    const drifted = await waitForSyncCondition(
      gitops,
      'watched',
      { type: 'Ready', reason: 'DriftDetected' },
      30_000,
    );
    expect(drifted.status?.drift?.map((d) => d.name)).toEqual(['watched-cm']);
    const cm = await env.core.readNamespacedConfigMap({ name: 'watched-cm', namespace: env.name });
    expect(cm.data?.v).toBe('2');
  });

  it('prunes the object of a file removed from Git', async () => {
    const repo = await setUp('pruned', {
      'keep.yaml': configMapYaml('pruned-keep', { v: '1' }),
      'gone.yaml': configMapYaml('pruned-gone', { v: '1' }),
    });
    await waitForSyncCondition(gitops, 'pruned', { type: 'Ready', status: 'True' });
    await repo.remove('gone.yaml');
    const sha = await repo.commit('remove gone');
    await waitFor(
      'pruned-gone deleted',
      async () =>
        (await env.core
          .readNamespacedConfigMap({ name: 'pruned-gone', namespace: env.name })
          .catch(() => undefined)) === undefined,
      { timeoutMs: 30_000 },
    );
    const synced = await waitForSyncCondition(gitops, 'pruned', {
      type: 'Ready',
      status: 'True',
      message: new RegExp(sha),
    });
    expect(synced.status?.inventory?.map((e) => e.name)).toEqual(['pruned-keep']);
    expect(synced.status?.history?.[0]?.message).toContain('1 pruned');
  });

  it('waits for a dependency to be Healthy before applying', async () => {
    const base = await setUp('base', {
      'web.yaml': deploymentYaml('base-web', { nodeSelector: { 'ramp.dev/missing': 'yes' } }),
    });
    await setUp(
      'app',
      { 'cm.yaml': configMapYaml('app-cm', { v: '1' }) },
      { sync: { dependsOn: [{ name: 'base' }], retryInterval: '2s' } },
    );
    await waitForSyncCondition(gitops, 'app', {
      type: 'Ready',
      status: 'False',
      reason: 'DependencyNotReady',
    });
    expect(
      await env.core
        .readNamespacedConfigMap({ name: 'app-cm', namespace: env.name })
        .catch(() => undefined),
    ).toBeUndefined();
    await base.write({ 'web.yaml': deploymentYaml('base-web') });
    await base.commit('schedulable');
    await waitForSyncCondition(gitops, 'base', { type: 'Healthy', status: 'True' }, 60_000);
    await waitFor(
      'app-cm applied after base became healthy',
      async () =>
        (await env.core
          .readNamespacedConfigMap({ name: 'app-cm', namespace: env.name })
          .catch(() => undefined)) !== undefined,
      { timeoutMs: 30_000 },
    );
  });
});

describe('GitSync with a bad source', () => {
  it('never prunes on an empty render, a render error or an unreachable source', async () => {
    const repo = await setUp(
      'fragile',
      { 'a.yaml': configMapYaml('fragile-a', { v: '1' }) },
      { sync: { retryInterval: '2s' } },
    );
    await waitForSyncCondition(gitops, 'fragile', { type: 'Ready', status: 'True' });

    await repo.remove('a.yaml');
    await repo.write({ 'README.md': 'nothing here\n' });
    await repo.commit('empty');
    const empty = await waitForSyncCondition(
      gitops,
      'fragile',
      { type: 'Ready', message: /empty|nothing pruned/i },
      30_000,
    );
    expect(empty.status?.inventory?.map((e) => e.name)).toEqual(['fragile-a']);

    await repo.write({ 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n' });
    await repo.commit('broken yaml');
    const broken = await waitForSyncCondition(
      gitops,
      'fragile',
      { type: 'Ready', status: 'False', reason: 'BuildFailed' },
      30_000,
    );
    expect(condition(broken, 'Ready')?.message).toMatch(/a\.yaml/);

    await gitops.patchRepository('fragile', { spec: { url: 'http://127.0.0.1:1/gone.git' } });
    await waitFor('the source reports the unreachable remote', async () => {
      const r = await gitops.repository('fragile');
      return condition(r, 'Ready')?.status === 'False';
    });
    // Everything stayed: nothing was pruned by any of the three.
    const cm = await env.core.readNamespacedConfigMap({ name: 'fragile-a', namespace: env.name });
    expect(cm.data?.v).toBe('1');
    expect((await gitops.sync('fragile')).status?.inventory?.map((e) => e.name)).toEqual([
      'fragile-a',
    ]);
  });

  it('refuses a symlink to /etc/passwd and a kustomization that reaches outside the repository', async () => {
    const linked = await git.repo('escape-link');
    await linked.write({ 'ok/cm.yaml': configMapYaml('escape-ok', { v: '1' }) });
    await linked.link('ok/passwd.yaml', '/etc/passwd');
    await linked.commit('a symlink out');
    const kust = await git.repo('escape-kust');
    await kust.write({
      'app/kustomization.yaml': 'resources:\n  - cm.yaml\n  - ../../../../../../etc\n',
      'app/cm.yaml': configMapYaml('escape-kust-cm', { v: '1' }),
    });
    await kust.commit('a base outside');
    for (const [name, repo] of [
      ['escape-link', linked],
      ['escape-kust', kust],
    ] as const) {
      await gitops.createRepository(name, { url: repo.url, interval: '1h' });
      await gitops.createSync(name, {
        sourceRef: { name },
        path: name === 'escape-link' ? 'ok' : 'app',
      });
    }
    const link = await waitForSyncCondition(gitops, 'escape-link', {
      type: 'Ready',
      status: 'False',
      reason: 'BuildFailed',
    });
    expect(condition(link, 'Ready')?.message).toMatch(/symlink.*passwd.*outside the repository/);
    const outside = await waitForSyncCondition(gitops, 'escape-kust', {
      type: 'Ready',
      status: 'False',
      reason: 'BuildFailed',
    });
    expect(condition(outside, 'Ready')?.message).toMatch(
      /kustomization.*etc.*outside the repository/,
    );
    for (const name of ['escape-ok', 'escape-kust-cm'])
      expect(
        await env.core
          .readNamespacedConfigMap({ name, namespace: env.name })
          .catch(() => undefined),
      ).toBeUndefined();
  });
});

describe('examples/gitops.yaml', () => {
  it('is accepted by the API server as written (server-side dry run against the CRDs)', async () => {
    const out = await kubectl(
      'apply',
      '--server-side',
      '--dry-run=server',
      '-f',
      'examples/gitops.yaml',
    );
    expect(out).toMatch(/gitrepository\.ramp\.dev\/web-repo serverside-applied \(server dry run\)/);
    expect(out).toMatch(/gitsync\.ramp\.dev\/web serverside-applied \(server dry run\)/);
  });
});

describe('GitRepository', () => {
  it('lists refs every interval but fetches only a new commit (ls-remote short-circuit)', async () => {
    const own = await startTestGit();
    try {
      const repo = await own.repo('quiet');
      await repo.write({ 'cm.yaml': configMapYaml('quiet', { v: '1' }) });
      await repo.commit('v1');
      await gitops.createRepository('quiet', { url: repo.url, interval: '1s' });
      await waitFor(
        'the first artifact',
        async () => !!(await gitops.repository('quiet')).status?.artifact,
      );
      const fetches = () => own.server.commands.filter((c) => c === 'fetch').length;
      const listings = () => own.server.commands.filter((c) => c === 'ls-refs').length;
      const [fetchedOnce, listed] = [fetches(), listings()];
      expect(fetchedOnce).toBeGreaterThanOrEqual(1);
      await waitFor('three more listings', () => listings() >= listed + 3, { timeoutMs: 30_000 });
      expect(fetches()).toBe(fetchedOnce);

      const second = await repo.commit('v2');
      await waitFor('the new artifact', async () =>
        ((await gitops.repository('quiet')).status?.artifact?.revision ?? '').includes(second),
      );
      expect(fetches()).toBeGreaterThan(fetchedOnce);
    } finally {
      await own.stop();
    }
  });
});

describe('suspend', () => {
  it('a suspended GitSync leaves new commits alone until it is resumed', async () => {
    const repo = await setUp('paused', { 'cm.yaml': configMapYaml('paused', { v: '1' }) });
    await waitForSyncCondition(gitops, 'paused', { type: 'Ready', status: 'True' });
    await gitops.patchSync('paused', { spec: { suspend: true } });
    await repo.write({ 'cm.yaml': configMapYaml('paused', { v: '2' }) });
    const sha = await repo.commit('v2');
    const read = () => env.core.readNamespacedConfigMap({ name: 'paused', namespace: env.name });
    await waitFor('the GitRepository has the new commit', async () =>
      ((await gitops.repository('paused')).status?.artifact?.revision ?? '').includes(sha),
    );
    // The commit is known to ramp, but the suspended GitSync does not act on it.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await read()).data?.v).toBe('1');
    await gitops.patchSync('paused', { spec: { suspend: false } });
    await waitFor('v2 applied after resume', async () => (await read()).data?.v === '2');
  });
});

describe('wait and targetNamespace', () => {
  it('with wait, Ready waits for health and fails when the timeout passes; targetNamespace places objects', async () => {
    const target = `${env.name}-target`;
    await env.core.createNamespace({ body: { metadata: { name: target } } });
    try {
      const repo = await setUp(
        'waited',
        {
          'web.yaml': deploymentYaml('waited-web', { nodeSelector: { 'ramp.dev/missing': 'yes' } }),
        },
        { sync: { wait: true, timeout: '15s', retryInterval: '2s', targetNamespace: target } },
      );
      const waiting = await waitForSyncCondition(gitops, 'waited', {
        type: 'Ready',
        status: 'Unknown',
        reason: 'Progressing',
      });
      expect(condition(waiting, 'Ready')?.message).toMatch(/waiting for health/);
      expect(condition(waiting, 'Reconciling')?.status).toBe('True');
      // The object is in the target namespace, not the GitSync's.
      await env.apps.readNamespacedDeployment({ name: 'waited-web', namespace: target });
      expect(await deployment('waited-web')).toBeUndefined();
      const timedOut = await waitForSyncCondition(
        gitops,
        'waited',
        { type: 'Ready', status: 'False', reason: 'HealthCheckFailed' },
        60_000,
      );
      expect(condition(timedOut, 'Ready')?.message).toMatch(/timed out after 15s/);

      await repo.write({ 'web.yaml': deploymentYaml('waited-web') });
      const fixed = await repo.commit('schedulable');
      const ready = await waitForSyncCondition(
        gitops,
        'waited',
        { type: 'Ready', status: 'True', message: new RegExp(fixed) },
        60_000,
      );
      expect(condition(ready, 'Healthy')?.status).toBe('True');
      expect(condition(ready, 'Reconciling')).toBeUndefined();
    } finally {
      await env.core.deleteNamespace({ name: target }).catch(() => undefined);
    }
  });
});
