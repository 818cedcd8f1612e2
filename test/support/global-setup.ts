// One control plane per test run: started here, handed to test files through `inject`, stopped at
// the end. With RAMP_TEST_KUBECONFIG set, that cluster is used and nothing is built or started.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import type { TestProject } from 'vitest/node';

import { parseConfig } from '../../src/config.js';
import { down, up } from '../../src/local/cluster.js';
import { ensureControlPlaneBinaries } from '../../src/local/go-build.js';
import { createLogger } from '../../src/observability/logger.js';
import { packageRoot } from '../../src/version.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Kubeconfig of the cluster every integration test uses. */
    kubeconfig: string;
    /** True when the suite runs against the local control plane it started itself. */
    localControlPlane: boolean;
    /** The kubectl to run: the one built with the local control plane, or kubectl on PATH. */
    kubectl: string;
  }
}

/** Starts (or adopts) the cluster for the run and returns the teardown that stops it. */
const runDirPrefix = 'ramp-test-cp-';

/**
 * Stops control planes left by earlier test runs that were killed before their teardown (a
 * SIGKILL, a CI time-out): their owner process is gone, so nothing else would ever stop them.
 */
async function reapAbandoned(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    if (name.startsWith('ramp-controller-')) await removeIfOld(join(tmpdir(), name));
    if (!name.startsWith(runDirPrefix)) continue;
    const dir = join(tmpdir(), name);
    const owner = Number(await readFile(join(dir, 'owner.pid'), 'utf8').catch(() => '0'));
    if (owner > 0 && alive(owner)) continue;
    await down(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Controller logs of earlier runs (kept for a day to read after a failure). */
async function removeIfOld(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info && Date.now() - info.mtimeMs > 86_400_000) await rm(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.RAMP_TEST_KUBECONFIG;
  if (external) {
    project.provide('kubeconfig', external);
    project.provide('localControlPlane', false);
    project.provide('kubectl', 'kubectl');
    return async () => {};
  }
  const config = parseConfig(process.env, {
    packageRoot,
    homeDir: homedir(),
    cwd: process.cwd(),
    stderrIsTTY: false,
  });
  await reapAbandoned();
  const runDir = await mkdtemp(join(tmpdir(), runDirPrefix));
  await writeFile(join(runDir, 'owner.pid'), String(process.pid));
  const log = createLogger({ level: 'info', format: 'pretty', color: false, name: 'test-setup' });
  const { state } = await up({ ...config, runDir, log });
  project.provide('kubeconfig', state.kubeconfig);
  project.provide('localControlPlane', true);
  project.provide(
    'kubectl',
    (await ensureControlPlaneBinaries(config, log)).paths.kubectl ?? 'kubectl',
  );
  return async () => {
    await down(runDir);
    await rm(runDir, { recursive: true, force: true });
  };
}
