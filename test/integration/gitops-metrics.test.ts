// The running controller's GitOps metrics: a GitSync against a real git server on loopback shows
// gitops_condition Ready=True on /metrics, and after a commit with broken YAML Ready=False with
// reason BuildFailed, the True series gone; deleting the GitSync drops its series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { gitopsApiVersion } from '../../src/api/gitops-conditions.js';
import { rawRequest, resourcePath } from '../../src/kube/raw.js';
import { useController } from '../support/controller.js';
import { startTestGit, type TestGit } from '../support/git-repo.js';
import { configMapYaml, gitopsClient, waitForSyncCondition } from '../support/gitops.js';
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

/** The metrics server's port, from the controller's log line. */
function metricsPort(logs: string): number | undefined {
  for (const line of logs.split('\n')) {
    if (!line.includes('metrics on /metrics')) continue;
    const port = (JSON.parse(line) as { port?: number }).port;
    if (port) return port;
  }
  return undefined;
}

/** The sample lines of `name` whose labels include every pair in `want`. */
async function scrape(name: string, want: Record<string, string>): Promise<string[]> {
  const port = metricsPort(controller.process.logs());
  if (!port) return [];
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const pairs = Object.entries(want).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && pairs.every((p) => line.includes(p)));
}

const gitSync = (name: string) => ({ kind: 'GitSync', namespace: env.name, name });

describe('GitOps metrics of the running controller', () => {
  it('follows a GitSync from Ready to BuildFailed without a stale Ready=True series', async () => {
    const repo = await git.repo('metrics');
    await repo.write({ 'a.yaml': configMapYaml('metrics-a', { v: '1' }) });
    await repo.commit('initial');
    await gitops.createRepository('metrics', { url: repo.url, interval: '2s' });
    await gitops.createSync('metrics', { sourceRef: { name: 'metrics' }, interval: '1m' });
    await waitForSyncCondition(gitops, 'metrics', { type: 'Ready', status: 'True' });

    const ready = { ...gitSync('metrics'), type: 'Ready' };
    await waitFor(
      'gitops_condition Ready=True scraped',
      async () => (await scrape('gitops_condition', { ...ready, status: 'True' })).length === 1,
      { timeoutMs: 20_000 },
    );
    expect(await scrape('gitops_condition', { ...ready, status: 'True' })).toEqual([
      expect.stringMatching(/reason="ReconciliationSucceeded"\} 1$/),
    ]);
    expect(await scrape('gitops_suspended', gitSync('metrics'))).toEqual([
      expect.stringMatching(/\} 0$/),
    ]);
    expect(
      await scrape('gitops_condition', {
        kind: 'GitRepository',
        namespace: env.name,
        name: 'metrics',
        type: 'Ready',
        status: 'True',
      }),
    ).toHaveLength(1);

    await repo.write({ 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n' });
    await repo.commit('broken');
    await waitForSyncCondition(gitops, 'metrics', {
      type: 'Ready',
      status: 'False',
      reason: 'BuildFailed',
    });
    await waitFor(
      'gitops_condition Ready=False/BuildFailed scraped',
      async () =>
        (await scrape('gitops_condition', { ...ready, status: 'False', reason: 'BuildFailed' }))
          .length === 1,
      { timeoutMs: 20_000 },
    );
    expect(await scrape('gitops_condition', ready)).toEqual([
      expect.stringMatching(/status="False",reason="BuildFailed"\} 1$/),
    ]);

    const passes = await scrape('gitops_reconcile_duration_seconds_count', { kind: 'GitSync' });
    expect(passes).toHaveLength(1);
    expect(Number(passes[0]!.split(' ')[1])).toBeGreaterThan(0);
  });

  it('drops a deleted GitSync’s series', async () => {
    expect(await scrape('gitops_suspended', gitSync('metrics'))).toHaveLength(1);
    await rawRequest(env.kc, {
      method: 'DELETE',
      path: resourcePath({
        apiVersion: gitopsApiVersion,
        plural: 'gitsyncs',
        namespace: env.name,
        name: 'metrics',
      }),
    });
    await waitFor(
      'the GitSync’s series gone',
      async () =>
        (await scrape('gitops_suspended', gitSync('metrics'))).length === 0 &&
        (await scrape('gitops_condition', gitSync('metrics'))).length === 0,
      { timeoutMs: 20_000 },
    );
  });
});
