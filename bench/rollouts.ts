// Many Rollouts on a local control plane (kwok pods): creates N canaries, rolls them all one step,
// promotes them, and prints time to all Healthy, promote → weight-updated latency (p50/p99),
// and the controller's peak RSS and CPU seconds. Prints figures; asserts nothing.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';

import type { Rollout } from '../src/api/rollout.js';
import { Informer } from '../src/kube/informer.js';
import { rawRequest } from '../src/kube/raw.js';
import { installRampCrds, rampEntryPoint } from '../src/local/demo.js';
import { down, up } from '../src/local/cluster.js';
import { benchConfig, benchLog } from './settings.js';
import { inParallel, procStats, waitUntil } from './support.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '8' },
  },
});
const count = Number(values.count);
const config = benchConfig;
const log = benchLog;
const namespace = 'bench';
const group = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace };

type RolloutObject = Rollout & KubernetesObject;

function rollout(i: number, image: string) {
  const name = `ro-${i}`;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
      strategy: {
        canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }] },
      },
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const runDir = await mkdtemp(join(tmpdir(), 'ramp-bench-rollouts-'));
  const { state } = await up({ ...config, runDir, log });
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
    ],
    {
      env: { ...process.env, RAMP_LOG_LEVEL: 'warn', RAMP_LOG_FORMAT: 'json' },
      stdio: 'ignore',
    },
  );
  const custom = kc.makeApiClient(CustomObjectsApi);
  const watch = new Informer<RolloutObject>(
    kc,
    {
      name: 'bench-rollouts',
      path: `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/rollouts`,
      list: async () =>
        (await custom.listNamespacedCustomObject(group)) as { items: RolloutObject[] },
    },
    log,
  );
  const reachedWeight = new Map<string, number>();
  watch.on('update', (ro) => {
    if (ro.status?.canary?.weights?.canary.weight === 60 && !reachedWeight.has(ro.metadata.name))
      reachedWeight.set(ro.metadata.name, performance.now());
  });
  await watch.start();
  const ids = Array.from({ length: count }, (_, i) => i);
  const all = (pred: (r: RolloutObject) => boolean) => () =>
    watch.list(namespace).filter(pred).length === count;
  try {
    const created = performance.now();
    await inParallel(ids, 20, (i) =>
      custom.createNamespacedCustomObject({ ...group, body: rollout(i, 'app:1') }),
    );
    await waitUntil(
      'all Healthy',
      all((r) => r.status?.phase === 'Healthy'),
    );
    const healthyMs = performance.now() - created;

    await inParallel(ids, 20, (i) =>
      rawRequest(kc, {
        method: 'PATCH',
        path: `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/rollouts/ro-${i}`,
        contentType: 'application/merge-patch+json',
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } },
      }),
    );
    const stepMs = await waitUntil(
      'all paused at step 1',
      all((r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1),
    );

    const promotedAt = new Map<string, number>();
    await inParallel(ids, 20, async (i) => {
      promotedAt.set(`ro-${i}`, performance.now());
      await rawRequest(kc, {
        method: 'PATCH',
        path: `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/rollouts/ro-${i}/status`,
        contentType: 'application/merge-patch+json',
        body: { status: { pauseConditions: null } },
      });
    });
    await waitUntil('all at weight 60', () => reachedWeight.size === count);
    const latencies = [...promotedAt]
      .map(([name, at]) => (reachedWeight.get(name) ?? NaN) - at)
      .sort((a, b) => a - b);
    const stats = await procStats(controller.pid ?? 0);
    console.log(
      `rollouts: ${count} (1 replica each, kwok pods), controller workers: ${values.workers}`,
    );
    console.log(`create → all Healthy: ${(healthyMs / 1000).toFixed(1)} s`);
    console.log(`new image → all paused at step 1: ${(stepMs / 1000).toFixed(1)} s`);
    console.log(
      `promote → weight updated: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );
    console.log(
      `controller: peak RSS ${stats.peakRssMiB.toFixed(0)} MiB, CPU ${stats.cpuSeconds.toFixed(1)} s`,
    );
  } finally {
    await watch.stop();
    controller.kill('SIGTERM');
    await down(runDir);
    await rm(runDir, { recursive: true, force: true });
  }
}

await main();
