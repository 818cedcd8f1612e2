// GitOps at scale on a local control plane (kwok pods) and a loopback git server:
//  1. 1,000 GitSyncs (one Deployment each, one repository): created → all applied, then one
//     commit that changes every image → all Deployments updated.
//  2. One GitSync of 1,000 objects: the CPU and wall time of a no-op reconcile (render, dry-run
//     apply of every object, nothing written), asked for with the reconcile annotation.
// Prints figures; asserts nothing.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';

import type { GitSync } from '../src/api/gitops.js';
import { Informer } from '../src/kube/informer.js';
import { rawRequest, resourcePath } from '../src/kube/raw.js';
import { installRampCrds, rampEntryPoint } from '../src/local/demo.js';
import { down, up } from '../src/local/cluster.js';
import { startTestGit } from '../src/local/git-work.js';
import { benchConfig, benchLog } from './settings.js';
import { inParallel, procStats, waitUntil } from './support.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    objects: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '8' },
    passes: { type: 'string', default: '5' },
  },
});
const count = Number(values.count);
const objects = Number(values.objects);
const namespace = 'bench-gitops';
const apiVersion = 'ramp.dev/v1alpha1';

type GitSyncObject = GitSync & KubernetesObject;

function deploymentYaml(name: string, image: string): string {
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
  });
}

function configMapsYaml(n: number): string {
  return Array.from({ length: n }, (_, i) =>
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}` },
      data: { i: String(i) },
    }),
  ).join('---\n');
}

function create(kc: KubeConfig, plural: string, body: unknown): Promise<unknown> {
  return rawRequest(kc, {
    method: 'POST',
    path: resourcePath({ apiVersion, plural, namespace }),
    body,
  });
}

async function main(): Promise<void> {
  const runDir = await mkdtemp(join(tmpdir(), 'ramp-bench-gitops-'));
  const { state } = await up({ ...benchConfig, runDir, log: benchLog });
  const git = await startTestGit();
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  await installRampCrds(state.kubeconfig);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const controller = spawn(
    process.execPath,
    [
      rampEntryPoint(),
      'controller',
      '--kubeconfig',
      state.kubeconfig,
      '--workers',
      values.workers ?? '8',
      '--no-leader-elect',
      '--metrics-port',
      '0',
      '--metrics-host',
      '127.0.0.1',
      '--webhook-port',
      '0',
      '--webhook-host',
      '127.0.0.1',
      '--kubectl',
      state.kubectl ?? 'kubectl',
    ],
    { env: { ...process.env, RAMP_LOG_LEVEL: 'warn', RAMP_LOG_FORMAT: 'json' }, stdio: 'ignore' },
  );
  const path = resourcePath({ apiVersion, plural: 'gitsyncs', namespace });
  const syncs = new Informer<GitSyncObject>(
    kc,
    {
      name: 'bench-gitsyncs',
      path,
      list: () => rawRequest<{ items: GitSyncObject[] }>(kc, { method: 'GET', path }),
    },
    benchLog,
  );
  const deployments = kc.makeApiClient(AppsV1Api);
  const deploymentCache = new Informer<V1Deployment & KubernetesObject>(
    kc,
    {
      name: 'bench-deployments',
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      list: async () => await deployments.listNamespacedDeployment({ namespace }),
    },
    benchLog,
  );
  await syncs.start();
  await deploymentCache.start();
  try {
    // 1. Many GitSyncs from one repository.
    const repo = await git.repo('many');
    const files: Record<string, string> = {};
    for (let i = 0; i < count; i++)
      files[`apps/app-${i}/deploy.yaml`] = deploymentYaml(`app-${i}`, 'app:1');
    await repo.write(files);
    const first = await repo.commit('v1');
    await create(kc, 'gitrepositories', {
      apiVersion,
      kind: 'GitRepository',
      metadata: { name: 'many' },
      spec: { url: repo.url, interval: '2s' },
    });
    const created = performance.now();
    await inParallel(
      Array.from({ length: count }, (_, i) => i),
      20,
      (i) =>
        create(kc, 'gitsyncs', {
          apiVersion,
          kind: 'GitSync',
          metadata: { name: `app-${i}` },
          spec: {
            sourceRef: { name: 'many' },
            path: `apps/app-${i}`,
            interval: '10m',
            prune: true,
          },
        }),
    );
    const applied = (sha: string) => () =>
      syncs.list(namespace).filter((s) => s.status?.lastAppliedRevision === `main@sha1:${sha}`)
        .length >= count;
    await waitUntil('all GitSyncs applied', applied(first));
    const createdMs = performance.now() - created;

    for (let i = 0; i < count; i++)
      files[`apps/app-${i}/deploy.yaml`] = deploymentYaml(`app-${i}`, 'app:2');
    await repo.write(files);
    const committed = performance.now();
    const second = await repo.commit('v2');
    const withImage = (image: string) => () =>
      deploymentCache
        .list(namespace)
        .filter((d) => d.spec?.template.spec?.containers[0]?.image === image).length >= count;
    const commitMs = await waitUntil('all Deployments at app:2', withImage('app:2'));
    await waitUntil('all GitSyncs at the second commit', applied(second));
    const commitSyncedMs = performance.now() - committed;

    // Settled first: GitSyncs whose Deployments still progress re-read health every few
    // seconds, which would be counted as the no-op pass's CPU.
    await waitUntil(
      'all GitSyncs Healthy',
      () =>
        syncs
          .list(namespace)
          .filter((s) =>
            s.status?.conditions?.some((c) => c.type === 'Healthy' && c.status === 'True'),
          ).length >= count,
    );

    // 2. One GitSync of many objects: no-op reconciles.
    const big = await git.repo('big');
    await big.write({ 'all.yaml': configMapsYaml(objects) });
    await big.commit('many objects');
    await create(kc, 'gitrepositories', {
      apiVersion,
      kind: 'GitRepository',
      metadata: { name: 'big' },
      spec: { url: big.url, interval: '1h' },
    });
    await create(kc, 'gitsyncs', {
      apiVersion,
      kind: 'GitSync',
      metadata: { name: 'big' },
      spec: { sourceRef: { name: 'big' }, path: './', interval: '1h', prune: true },
    });
    const bigApplied = await waitUntil(
      'big applied',
      () => (syncs.get(namespace, 'big')?.status?.inventory?.length ?? 0) === objects,
    );
    const pid = controller.pid ?? 0;
    const passes = Number(values.passes);
    const times: number[] = [];
    const cpu: number[] = [];
    for (let p = 0; p < passes; p++) {
      const at = `bench-${p}-${Date.now()}`;
      const cpuBefore = (await procStats(pid)).cpuSeconds;
      const started = performance.now();
      await rawRequest(kc, {
        method: 'PATCH',
        path: resourcePath({ apiVersion, plural: 'gitsyncs', namespace, name: 'big' }),
        contentType: 'application/merge-patch+json',
        body: { metadata: { annotations: { 'ramp.dev/reconcile-requested-at': at } } },
      });
      await waitUntil(
        'no-op pass handled',
        () => syncs.get(namespace, 'big')?.status?.lastHandledReconcileAt === at,
      );
      times.push(performance.now() - started);
      cpu.push((await procStats(pid)).cpuSeconds - cpuBefore);
    }
    const median = (xs: number[]) =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    console.log(
      `gitsyncs: ${count} (one Deployment each, one repository), controller workers: ${values.workers}`,
    );
    console.log(`create → all applied: ${(createdMs / 1000).toFixed(1)} s`);
    console.log(
      `one commit → all ${count} Deployments updated: ${(commitMs / 1000).toFixed(1)} s (all GitSyncs report it: ${(commitSyncedMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      `one GitSync of ${objects} ConfigMaps: first apply ${(bigApplied / 1000).toFixed(1)} s`,
    );
    console.log(
      `no-op reconcile of ${objects} objects (median of ${passes}): wall ${(median(times) / 1000).toFixed(2)} s, controller CPU ${median(cpu).toFixed(2)} s`,
    );
  } finally {
    await syncs.stop();
    await deploymentCache.stop();
    controller.kill('SIGTERM');
    await git.stop();
    await down(runDir);
    await rm(runDir, { recursive: true, force: true });
  }
}

await main();
