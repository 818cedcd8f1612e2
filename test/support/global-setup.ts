// One control plane per test run: started here, handed to test files through `inject`, stopped at
// the end. With RAMP_TEST_KUBECONFIG set, that cluster is used and nothing is built or started.
import { mkdtemp, rm } from 'node:fs/promises';
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
  const runDir = await mkdtemp(join(tmpdir(), 'ramp-test-cp-'));
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
