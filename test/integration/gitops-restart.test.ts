// Status is the durable truth: a controller killed mid-life and replaced by one with an empty
// checkout cache resumes — a requested sync is answered from a fresh fetch, and the next commit
// is applied — without re-creating or pruning anything it should not.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { installRampCrds } from '../support/crds.js';
import { startController, type ControllerProcess } from '../support/controller.js';
import { startTestGit, type TestGit } from '../support/git-repo.js';
import { configMapYaml, gitopsClient, waitForSyncCondition } from '../support/gitops.js';
import { useTestNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

const env = useTestNamespace(import.meta.url);
const gitops = gitopsClient(env.kc, env.name);
let git: TestGit;
let caches: string;
const controllers: ControllerProcess[] = [];

beforeAll(async () => {
  await installRampCrds(env.kc);
  git = await startTestGit();
  caches = await mkdtemp(join(tmpdir(), 'ramp-gitops-restart-'));
});
afterAll(async () => {
  await Promise.all(controllers.map((c) => c.stop()));
  await git.stop();
  await rm(caches, { recursive: true, force: true });
});

/** A controller with its own (initially empty) checkout cache. */
function controller(name: string): ControllerProcess {
  const c = startController(env.name, ['--git-cache-dir', join(caches, name)]);
  controllers.push(c);
  return c;
}

describe('a restarted controller', () => {
  it('resumes from status with an empty checkout cache', async () => {
    const repo = await git.repo('resumed');
    await repo.write({ 'a.yaml': configMapYaml('resumed-a', { v: '1' }) });
    const first = await repo.commit('v1');
    const killed = controller('first');
    await gitops.createRepository('resumed', { url: repo.url, interval: '1h' });
    await gitops.createSync('resumed', {
      sourceRef: { name: 'resumed' },
      interval: '1h',
      prune: true,
    });
    const applied = await waitForSyncCondition(gitops, 'resumed', {
      type: 'Ready',
      status: 'True',
      message: new RegExp(first),
    });
    const uid = (await env.core.readNamespacedConfigMap({ name: 'resumed-a', namespace: env.name }))
      .metadata?.uid;
    await killed.kill();

    controller('second');
    // Nothing new in Git, and the new controller has no checkout of it: a requested sync makes it
    // fetch that commit again and answer the request.
    await gitops.patchSync('resumed', {
      metadata: { annotations: { 'ramp.dev/reconcile-requested-at': 'after-restart' } },
    });
    await waitFor('the request answered', async () => {
      const gs = await gitops.sync('resumed');
      return gs.status?.lastHandledReconcileAt === 'after-restart';
    });
    const resumed = await waitForSyncCondition(gitops, 'resumed', {
      type: 'Ready',
      status: 'True',
    });
    expect(resumed.status?.lastAppliedRevision).toBe(applied.status?.lastAppliedRevision);
    expect(resumed.status?.inventory).toEqual(applied.status?.inventory);
    // The same object, not deleted and re-created.
    const cm = await env.core.readNamespacedConfigMap({ name: 'resumed-a', namespace: env.name });
    expect(cm.metadata?.uid).toBe(uid);

    await repo.write({ 'b.yaml': configMapYaml('resumed-b', { v: '1' }) });
    await repo.remove('a.yaml');
    const second = await repo.commit('v2');
    await gitops.patchRepository('resumed', {
      metadata: { annotations: { 'ramp.dev/reconcile-requested-at': 'fetch-v2' } },
    });
    const next = await waitForSyncCondition(gitops, 'resumed', {
      type: 'Ready',
      status: 'True',
      message: new RegExp(second),
    });
    expect(next.status?.inventory?.map((e) => e.name)).toEqual(['resumed-b']);
    expect(next.status?.history?.map((h) => h.revision)).toEqual([
      `main@sha1:${second}`,
      `main@sha1:${first}`,
    ]);
  });
});
