// GitOps meets progressive delivery: a commit that changes a Rollout's image starts a canary and
// the GitSync's Healthy condition follows it (Progressing → Healthy, or Degraded naming the
// revision on abort). Also: a deny sync window holds a commit until it closes, and a GitSync
// applies as its service account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { useController } from '../support/controller.js';
import { startTestGit, type TestGit } from '../support/git-repo.js';
import { condition, configMapYaml, gitopsClient, waitForSyncCondition } from '../support/gitops.js';
import { useTestNamespace } from '../support/namespace.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const env = useTestNamespace(import.meta.url);
useController(env);
const gitops = gitopsClient(env.kc, env.name);
const rollouts = rolloutClient(env.kc, env.name);
let git: TestGit;

beforeAll(async () => {
  git = await startTestGit();
});
afterAll(async () => {
  await git.stop();
});

const rolloutYaml = (image: string) =>
  stringify(canaryRollout('web', image, [{ setWeight: 50 }, { pause: {} }], {}, 2));

describe('a commit that changes a Rollout', () => {
  it('starts a canary; the GitSync is Progressing, then Healthy, then Degraded naming the revision on abort', async () => {
    const repo = await git.repo('delivery');
    await repo.write({ 'rollout.yaml': rolloutYaml('registry.example/web:v1') });
    await repo.commit('web v1');
    await gitops.createRepository('delivery', { url: repo.url, interval: '2s' });
    await gitops.createSync('delivery', {
      sourceRef: { name: 'delivery' },
      interval: '1m',
      prune: true,
    });
    await waitForSyncCondition(gitops, 'delivery', { type: 'Healthy', status: 'True' }, 90_000);

    await repo.write({ 'rollout.yaml': rolloutYaml('registry.example/web:v2') });
    const v2 = await repo.commit('web v2');
    await rollouts.waitUntil(
      'web',
      'paused at the canary step',
      (r) => r.status?.phase === 'Paused',
    );
    const progressing = await waitForSyncCondition(gitops, 'delivery', {
      type: 'Healthy',
      reason: 'Progressing',
    });
    expect(progressing.status?.lastAppliedRevision).toBe(`main@sha1:${v2}`);
    expect(condition(progressing, 'Healthy')?.message).toMatch(/Rollout.*web/);

    await rollouts.promote('web');
    await waitForSyncCondition(gitops, 'delivery', { type: 'Healthy', status: 'True' }, 90_000);
    expect(JSON.stringify((await rollouts.get('web')).spec.template)).toContain(
      'registry.example/web:v2',
    );

    await repo.write({ 'rollout.yaml': rolloutYaml('registry.example/web:v3') });
    const v3 = await repo.commit('web v3');
    await rollouts.waitUntil('web', 'paused at v3', (r) => r.status?.phase === 'Paused');
    await rollouts.patchStatus('web', { status: { abort: true } });
    const degraded = await waitForSyncCondition(
      gitops,
      'delivery',
      { type: 'Healthy', status: 'False', reason: 'Degraded' },
      60_000,
    );
    expect(condition(degraded, 'Healthy')?.message).toContain(`main@sha1:${v3}`);
  });
});

describe('sync windows', () => {
  it('holds a commit while a deny window is open and applies it when the window ends', async () => {
    const repo = await git.repo('windowed');
    await repo.write({ 'cm.yaml': configMapYaml('windowed', { v: '1' }) });
    await repo.commit('v1');
    await gitops.createRepository('windowed', { url: repo.url, interval: '2s' });
    await gitops.createSync('windowed', { sourceRef: { name: 'windowed' }, interval: '1m' });
    await waitForSyncCondition(gitops, 'windowed', { type: 'Ready', status: 'True' });

    // A deny window that opened at the start of this minute and closes 25 s from now.
    const now = new Date();
    const seconds = now.getUTCSeconds() + 25;
    await gitops.patchSync('windowed', {
      spec: {
        syncWindows: [
          {
            kind: 'deny',
            schedule: `${now.getUTCMinutes()} ${now.getUTCHours()} * * *`,
            duration: `${seconds}s`,
          },
        ],
      },
    });
    await repo.write({ 'cm.yaml': configMapYaml('windowed', { v: '2' }) });
    const v2 = await repo.commit('v2');
    const held = await waitForSyncCondition(gitops, 'windowed', {
      type: 'Ready',
      status: 'False',
      reason: 'SyncWindowClosed',
      message: new RegExp(v2),
    });
    expect(condition(held, 'Ready')?.message).toContain(v2);
    const read = () => env.core.readNamespacedConfigMap({ name: 'windowed', namespace: env.name });
    expect((await read()).data?.v).toBe('1');
    await waitFor('v2 applied after the window', async () => (await read()).data?.v === '2', {
      timeoutMs: 60_000,
    });
    await waitForSyncCondition(gitops, 'windowed', { type: 'Ready', status: 'True' });
  });
});

describe('serviceAccountName', () => {
  it('applies as the account: forbidden without RBAC, applied once a RoleBinding allows it', async () => {
    const repo = await git.repo('scoped');
    await repo.write({ 'cm.yaml': configMapYaml('scoped', { v: '1' }) });
    await repo.commit('v1');
    await env.core.createNamespacedServiceAccount({
      namespace: env.name,
      body: { metadata: { name: 'deployer' } },
    });
    await gitops.createRepository('scoped', { url: repo.url, interval: '1h' });
    await gitops.createSync('scoped', {
      sourceRef: { name: 'scoped' },
      interval: '1m',
      retryInterval: '2s',
      serviceAccountName: 'deployer',
    });
    const denied = await waitForSyncCondition(gitops, 'scoped', {
      type: 'Ready',
      status: 'False',
      reason: 'ApplyFailed',
    });
    expect(condition(denied, 'Ready')?.message).toMatch(/forbidden/i);
    const rbac = env.kc.makeApiClient(
      (await import('@kubernetes/client-node')).RbacAuthorizationV1Api,
    );
    await rbac.createNamespacedRoleBinding({
      namespace: env.name,
      body: {
        metadata: { name: 'deployer-edit' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: env.name }],
      },
    });
    await waitForSyncCondition(gitops, 'scoped', { type: 'Ready', status: 'True' }, 30_000);
    const cm = await env.core.readNamespacedConfigMap({ name: 'scoped', namespace: env.name });
    expect(cm.metadata?.labels?.['gitsync.ramp.dev/name']).toBe('scoped');
  });
});
