// `ramp local up` / `down` as a person runs them: idempotent, stops exactly what it started, and
// fails clearly (cleaning up after itself) on a taken port, a missing Go and a broken build.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { isRunning } from '../../src/local/processes.js';
import type { Rollout } from '../../src/api/rollout.js';
import type { ClusterState } from '../../src/local/state.js';
import { processesMentioning, ramp, rampBin } from '../support/ramp-cli.js';
import { testConfig } from '../support/settings.js';
import { waitFor } from '../support/wait.js';

let base: string;
const runDirs: string[] = [];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ramp-lifecycle-'));
});

afterAll(async () => {
  // Whatever a failed assertion left running is stopped here, by the same pid records.
  for (const runDir of runDirs) await ramp(['local', '--run-dir', runDir, 'down']);
  await rm(base, { recursive: true, force: true });
});

function newRunDir(name: string): string {
  const dir = join(base, name);
  runDirs.push(dir);
  return dir;
}

async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

// Against a cluster given by RAMP_TEST_KUBECONFIG nothing is built or started, so this file sits out.
describe.skipIf(!inject('localControlPlane'))('ramp local up / down', () => {
  it('starts once, is idempotent, and down leaves no process running', async () => {
    const runDir = newRunDir('cycle');
    const first = await ramp(['local', '--run-dir', runDir, 'up']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`export KUBECONFIG='${runDir}/kubeconfig'`);
    const state = JSON.parse(await readFile(join(runDir, 'state.json'), 'utf8')) as ClusterState;
    expect(state.daemons.map((d) => d.name)).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
      'prometheus',
      'ramp-controller',
    ]);
    expect(new URL(state.apiserverUrl).hostname).toBe('127.0.0.1');
    expect(new URL(state.prometheusUrl).hostname).toBe('127.0.0.1');

    const second = await ramp(['local', '--run-dir', runDir, 'up']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('already running');
    const again = JSON.parse(await readFile(join(runDir, 'state.json'), 'utf8')) as ClusterState;
    expect(again.daemons.map((d) => d.pid)).toEqual(state.daemons.map((d) => d.pid));
    expect((await processesMentioning(runDir)).sort()).toEqual(
      state.daemons.map((d) => d.pid).sort(),
    );

    const statusUp = await ramp(['local', '--run-dir', runDir, 'status']);
    expect(statusUp.code).toBe(0);
    expect(statusUp.stdout).toMatch(/kube-apiserver \/readyz\s+ok/);
    const env = await ramp(['local', '--run-dir', runDir, 'env']);
    expect(env.stdout).toBe(
      `export KUBECONFIG='${runDir}/kubeconfig'\nexport RAMP_PROMETHEUS_URL='${state.prometheusUrl}'\n` +
        `export PATH='${dirname(state.kubectl ?? '')}':"$PATH"\n`,
    );

    // The README's main command: the controller runs and both example rollouts are Healthy.
    const kc = new KubeConfig();
    kc.loadFromFile(state.kubeconfig);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const demo = {
      group: 'argoproj.io',
      version: 'v1alpha1',
      plural: 'rollouts',
      namespace: 'demo',
      name: 'demo',
    };
    for (const namespace of ['demo', 'demo-bluegreen'])
      await waitFor(
        `the example rollout in ${namespace} Healthy`,
        async () =>
          ((await custom.getNamespacedCustomObject({ ...demo, namespace })) as Rollout).status
            ?.phase === 'Healthy',
      );

    const down = await ramp(['local', '--run-dir', runDir, 'down']);
    expect(down.code, down.stderr).toBe(0);
    for (const daemon of state.daemons)
      expect(down.stdout).toContain(`${daemon.name} (${daemon.pid})`);
    expect(await processesMentioning(runDir)).toEqual([]);
    for (const daemon of state.daemons) expect(await isRunning(daemon)).toBe(false);
    const statusDown = await ramp(['local', '--run-dir', runDir, 'status']);
    expect(statusDown.stdout).toBe('not running\n');
  });

  it('two concurrent `up` on one run directory start one cluster', async () => {
    const runDir = newRunDir('concurrent');
    const [a, b] = await Promise.all([
      ramp(['local', '--run-dir', runDir, 'up']),
      ramp(['local', '--run-dir', runDir, 'up']),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(a.stderr + b.stderr).toContain('already running');
    const state = JSON.parse(await readFile(join(runDir, 'state.json'), 'utf8')) as ClusterState;
    expect(state.daemons).toHaveLength(7);
    expect((await processesMentioning(runDir)).sort()).toEqual(
      state.daemons.map((d) => d.pid).sort(),
    );
    expect((await ramp(['local', '--run-dir', runDir, 'down'])).code).toBe(0);
    expect(await processesMentioning(runDir)).toEqual([]);
  });

  it.each([
    ['--api-port', 'kube-apiserver'],
    ['--prometheus-port', 'Prometheus'],
  ])('names a taken %s and stops what it had started', async (flag, purpose) => {
    const runDir = newRunDir(`taken${flag}`);
    const { port, server } = await occupyPort();
    try {
      const result = await ramp(['local', '--run-dir', runDir, 'up', flag, String(port)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `ramp: ${purpose}: port 127.0.0.1:${port} is already in use by another process`,
      );
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(await processesMentioning(runDir)).toEqual([]);
      expect((await ramp(['local', '--run-dir', runDir, 'status'])).stdout).toBe('not running\n');
    } finally {
      server.close();
    }
  });

  it('Ctrl-C while starting stops what was started', async () => {
    const runDir = newRunDir('interrupted');
    const child = spawn(process.execPath, [rampBin, 'local', '--run-dir', runDir, 'up'], {
      env: { ...process.env, RAMP_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Interrupt once the API server process exists, i.e. mid-way through start-up.
    await waitFor(
      'kube-apiserver started',
      async () => {
        const state = JSON.parse(
          await readFile(join(runDir, 'state.json'), 'utf8'),
        ) as ClusterState;
        return state.daemons.some((d) => d.name === 'kube-apiserver');
      },
      { intervalMs: 20 },
    );
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toContain('ramp: interrupted; stopping what was started');
    expect(await processesMentioning(runDir)).toEqual([]);
    expect((await ramp(['local', '--run-dir', runDir, 'status'])).stdout).toBe('not running\n');
  });

  it('says Go is missing when it must build and cannot', async () => {
    const runDir = newRunDir('nogo');
    const result = await ramp(['local', '--run-dir', runDir, 'up'], {
      RAMP_CACHE_DIR: join(base, 'empty-cache'),
      RAMP_GO: join(base, 'no-such-dir', 'go'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Go toolchain not found');
    expect(result.stderr).toContain('RAMP_GO');
    expect(await processesMentioning(runDir)).toEqual([]);
  });

  it('reports a failed build with Go’s own reason and the build log', async () => {
    const runDir = newRunDir('badbuild');
    const tools = join(base, 'broken-tools');
    await cp(testConfig.toolsDir, tools, { recursive: true });
    await rm(join(tools, 'etcd', 'go.sum'));
    const cache = join(base, 'broken-cache');
    const result = await ramp(['local', '--run-dir', runDir, 'up'], {
      RAMP_CACHE_DIR: cache,
      RAMP_TOOLS_DIR: tools,
    });
    expect(result.code).toBe(1);
    // Progress names the binary before the build starts; the failure quotes Go's reason.
    expect(result.stderr).toContain('building etcd (go.etcd.io/etcd/server/v3)');
    expect(result.stderr).toContain('building etcd failed (go build exited 1)');
    expect(result.stderr).toContain('missing go.sum entry');
    expect(result.stderr).toContain(`full build log: ${cache}/go-tools/etcd-build.log`);
    expect(await processesMentioning(runDir)).toEqual([]);
  });
});
