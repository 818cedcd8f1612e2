import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { connect } from '../kube/client.js';
import { ensureNode, isNodeReady, serviceAccountExists } from '../kube/nodes.js';
import type { Logger } from '../observability/logger.js';
import { formatDuration } from './build-key.js';
import {
  applyDemo,
  blueGreenDemoManifest,
  controllerArgs,
  demoManifest,
  installRampCrds,
} from './demo.js';
import { throwIfInterrupted } from './errors.js';
import {
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  logFile,
  schedulerArgs,
} from './components.js';
import { ensureControlPlaneBinaries, type ControlPlaneBinaries } from './go-build.js';
import { renderKubeconfig } from './kubeconfig.js';
import { fakeNode, kwokConfig } from './kwok.js';
import { ensurePki, readClientPems, type Pki } from './pki.js';
import { ensurePortFree, freePort, freePorts, loopback } from './ports.js';
import { ensurePrometheus, type PrometheusBinaries } from './prometheus-dist.js';
import { startPrometheus } from './prometheus.js';
import { isRunning, startDaemon, stopDaemons, waitUntil, type DaemonRecord } from './processes.js';
import {
  acquireLock,
  clearState,
  readState,
  runLayout,
  StateRecorder,
  type ClusterState,
} from './state.js';

/** Name of the single fake Node. */
export const nodeName = 'ramp-node-0';

/** Everything `up` needs; the CLI fills it from the parsed config and flags. */
export interface UpOptions {
  readonly runDir: string;
  readonly cacheDir: string;
  readonly goBinary: string;
  readonly toolsDir: string;
  /** Fixed API server port; 0 or absent for a free one. */
  readonly apiPort?: number;
  /** Fixed Prometheus port; 0 or absent for a free one. */
  readonly prometheusPort?: number;
  readonly log: Logger;
  /** Aborted on Ctrl-C: `up` stops what it started and fails with "interrupted". */
  readonly signal?: AbortSignal | undefined;
  /**
   * Also install ramp's CRDs, run the controller and apply the example canary (the README's
   * main command). The test suite leaves this off: each test file runs its own controller.
   */
  readonly withController?: boolean;
}

/** The result of `up`: the cluster's state and whether it was already running. */
export interface UpResult {
  readonly state: ClusterState;
  readonly alreadyRunning: boolean;
}

/**
 * Brings up etcd → kube-apiserver → controller-manager, scheduler, kwok → a Ready Node → Prometheus,
 * all on loopback with state in one run directory. Idempotent: a healthy cluster is left as is. On
 * any failure every process this call started is stopped before the error is raised.
 */
export async function up(opts: UpOptions): Promise<UpResult> {
  const release = await acquireLock(opts.runDir, (holder) =>
    opts.log.info(`another ramp local up (pid ${holder}) is starting this control plane; waiting`),
  );
  try {
    const previous = await readState(opts.runDir);
    if (previous && (await isHealthy(previous, opts.runDir)))
      return { state: previous, alreadyRunning: true };
    if (previous) {
      opts.log.warn(
        'a previous local control plane in this run directory is partly down; restarting it',
      );
      await stopDaemons(previous.daemons);
      await clearState(opts.runDir);
    }
    const started = Date.now();
    const binaries = await ensureControlPlaneBinaries(opts, opts.log);
    const prometheus = await ensurePrometheus(opts.cacheDir, opts.log);
    const state = await startAll(opts, binaries, prometheus);
    opts.log.info(
      `local control plane ready in ${formatDuration(Date.now() - started)}: ${state.apiserverUrl}`,
    );
    return { state, alreadyRunning: false };
  } finally {
    await release();
  }
}

/** Stops every process recorded for the run directory, by pid, and forgets them. */
export async function down(runDir: string): Promise<{ stopped: readonly DaemonRecord[] }> {
  const release = await acquireLock(runDir);
  try {
    const state = await readState(runDir);
    if (!state) return { stopped: [] };
    const running: DaemonRecord[] = [];
    for (const daemon of state.daemons) if (await isRunning(daemon)) running.push(daemon);
    await stopDaemons(state.daemons);
    await clearState(runDir);
    return { stopped: running };
  } finally {
    await release();
  }
}

/** One line per component of `ramp local status`. */
export interface ComponentStatus {
  readonly name: string;
  readonly pid: number;
  readonly running: boolean;
}

/** What runs from a run directory, and whether the API server answers `/readyz`. */
export async function status(
  runDir: string,
): Promise<{ state?: ClusterState; components: ComponentStatus[]; apiserverReady: boolean }> {
  const state = await readState(runDir);
  if (!state) return { components: [], apiserverReady: false };
  const components = await Promise.all(
    state.daemons.map(async (d) => ({ name: d.name, pid: d.pid, running: await isRunning(d) })),
  );
  return { state, components, apiserverReady: await apiserverReady(state.apiserverUrl, runDir) };
}

/** Shell exports that point kubectl, ramp and the tests at the local control plane. */
export function envExports(state: ClusterState): string {
  const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  const lines = [
    `export KUBECONFIG=${quote(state.kubeconfig)}`,
    `export RAMP_PROMETHEUS_URL=${quote(state.prometheusUrl)}`,
  ];
  // The kubectl built with the control plane, first on PATH, so versions match.
  if (state.kubectl) lines.push(`export PATH=${quote(dirname(state.kubectl))}:"$PATH"`);
  return lines.join('\n') + '\n';
}

async function isHealthy(state: ClusterState, runDir: string): Promise<boolean> {
  for (const daemon of state.daemons) if (!(await isRunning(daemon))) return false;
  return apiserverReady(state.apiserverUrl, runDir);
}

async function startAll(
  opts: UpOptions,
  binaries: ControlPlaneBinaries,
  prometheusBinaries: PrometheusBinaries,
): Promise<ClusterState> {
  const layout = runLayout(opts.runDir);
  await mkdir(layout.logs, { recursive: true });
  const recorder = new StateRecorder(opts.runDir, layout.kubeconfig);
  try {
    const pki = await ensurePki(layout.pki);
    await recorder.update({
      apiserverUrl: await startKubernetes(opts, { binaries, pki, recorder }),
    });
    await waitForNode(layout.kubeconfig, recorder.daemons, opts);
    const prometheus = await startPrometheus({
      binaries: prometheusBinaries,
      dir: layout.prometheus,
      onStarted: (daemon) => recorder.addDaemon(daemon),
      signal: opts.signal,
      ...portOpt(opts.prometheusPort),
    });
    if (opts.withController)
      await startRamp(opts, recorder, {
        prometheusUrl: prometheus.url,
        kubectl: binaries.paths.kubectl,
      });
    return await recorder.update({
      prometheusUrl: prometheus.url,
      kubectl: binaries.paths.kubectl ?? '',
    });
  } catch (err) {
    const started = recorder.daemons;
    opts.log.error(`start-up failed; stopping the ${started.length} process(es) it had started`);
    await stopDaemons(started);
    await clearState(opts.runDir);
    throw err;
  }
}

/** ramp's CRDs, the controller daemon, and the demo canary. */
async function startRamp(
  opts: UpOptions,
  recorder: StateRecorder,
  tools: { prometheusUrl: string; kubectl: string | undefined },
): Promise<void> {
  const layout = runLayout(opts.runDir);
  await installRampCrds(layout.kubeconfig);
  opts.log.info('starting the ramp controller');
  const controller = await startDaemon({
    name: 'ramp-controller',
    command: process.execPath,
    args: controllerArgs(layout.kubeconfig, tools.prometheusUrl, await freePort(), {
      kubectl: tools.kubectl,
      webhookPort: await freePort(),
    }),
    logFile: logFile(layout.logs, 'ramp-controller'),
    env: { ...process.env, RAMP_LOG_FORMAT: 'json' },
  });
  await recorder.addDaemon(controller);
  for (const manifest of [demoManifest, blueGreenDemoManifest]) {
    opts.log.info(`applying an example rollout (${manifest})`);
    await applyDemo(layout.kubeconfig, manifest);
  }
}

function portOpt(port: number | undefined): { port?: number } {
  return port ? { port } : {};
}

interface StartContext {
  readonly binaries: ControlPlaneBinaries;
  readonly pki: Pki;
  readonly recorder: StateRecorder;
}

/** Starts etcd, the API server, controller-manager, scheduler and kwok; returns the API server URL. */
async function startKubernetes(opts: UpOptions, ctx: StartContext): Promise<string> {
  const layout = runLayout(opts.runDir);
  const start = async (name: string, args: string[]): Promise<DaemonRecord> => {
    throwIfInterrupted(opts.signal);
    opts.log.info(`starting ${name}`);
    const command = ctx.binaries.paths[name] as string;
    const daemon = await startDaemon({ name, command, args, logFile: logFile(layout.logs, name) });
    await ctx.recorder.addDaemon(daemon);
    return daemon;
  };

  const [etcdPort = 0, etcdPeerPort = 0] = await freePorts(2);
  const etcd = await start(
    'etcd',
    etcdArgs({ dataDir: layout.etcdData, clientPort: etcdPort, peerPort: etcdPeerPort }),
  );
  await waitUntil(async () => (await fetch(`http://${loopback}:${etcdPort}/health`)).ok, {
    what: 'etcd /health',
    timeoutMs: 30_000,
    daemon: etcd,
    signal: opts.signal,
  });

  const apiPort = opts.apiPort ? opts.apiPort : await freePort();
  if (opts.apiPort) await ensurePortFree(apiPort, 'kube-apiserver');
  const apiserverUrl = `https://${loopback}:${apiPort}`;
  const kubeconfig = renderKubeconfig({
    server: apiserverUrl,
    ...pems(await readClientPems(ctx.pki)),
  });
  await writeFile(layout.kubeconfig, kubeconfig, { mode: 0o600 });
  const apiserver = await start(
    'kube-apiserver',
    apiserverArgs({ pki: ctx.pki, etcdPort, port: apiPort }),
  );
  await waitUntil(() => apiserverReady(apiserverUrl, opts.runDir), {
    what: 'kube-apiserver /readyz',
    timeoutMs: 120_000,
    daemon: apiserver,
    intervalMs: 500,
    signal: opts.signal,
  });

  await start(
    'kube-controller-manager',
    controllerManagerArgs({ kubeconfig: layout.kubeconfig, pki: ctx.pki }),
  );
  await start('kube-scheduler', schedulerArgs({ kubeconfig: layout.kubeconfig }));
  await writeFile(layout.kwokConfig, await kwokConfig(ctx.binaries.kwokStagesDir));
  await start('kwok', kwokArgs({ kubeconfig: layout.kubeconfig, config: layout.kwokConfig }));
  return apiserverUrl;
}

function pems(p: { ca: string; cert: string; key: string }): {
  caPem: string;
  certPem: string;
  keyPem: string;
} {
  return { caPem: p.ca, certPem: p.cert, keyPem: p.key };
}

/** Creates the fake Node and waits until kwok reports it Ready and the `default` ServiceAccount exists. */
async function waitForNode(
  kubeconfig: string,
  daemons: readonly DaemonRecord[],
  opts: Pick<UpOptions, 'log' | 'signal'>,
): Promise<void> {
  const clients = connect(kubeconfig);
  const daemon = (name: string): DaemonRecord =>
    daemons.find((d) => d.name === name) as DaemonRecord;
  await ensureNode(clients, fakeNode(nodeName));
  opts.log.info(`waiting for node ${nodeName} to be Ready`);
  await waitUntil(() => isNodeReady(clients, nodeName), {
    what: `node ${nodeName} Ready (kwok)`,
    timeoutMs: 60_000,
    intervalMs: 250,
    daemon: daemon('kwok'),
    signal: opts.signal,
  });
  await waitUntil(() => serviceAccountExists(clients, 'default', 'default'), {
    what: 'the default ServiceAccount (kube-controller-manager)',
    timeoutMs: 60_000,
    intervalMs: 250,
    daemon: daemon('kube-controller-manager'),
    signal: opts.signal,
  });
}

/** GET /readyz with the admin client certificate; true on 200. */
function apiserverReady(url: string, runDir: string): Promise<boolean> {
  if (!url) return Promise.resolve(false);
  const pki = runLayout(runDir).pki;
  return new Promise((resolve) => {
    try {
      const req = request(
        `${url}/readyz`,
        {
          ca: readFileSync(`${pki}/ca.crt`),
          cert: readFileSync(`${pki}/admin.crt`),
          key: readFileSync(`${pki}/admin.key`),
          timeout: 5_000,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    } catch {
      resolve(false);
    }
  });
}
