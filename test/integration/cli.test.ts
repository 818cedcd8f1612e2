// The two binaries as people run them: `kubectl ramp` through kubectl's own plugin discovery, and
// clear one-line errors for bad settings.
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { runCommand } from '../../src/local/exec.js';
import { packageRoot, version } from '../../src/version.js';
import { ramp } from '../support/ramp-cli.js';

let pathDir: string;

beforeAll(async () => {
  // What `npm link` does: an executable named kubectl-ramp on PATH.
  pathDir = await mkdtemp(join(tmpdir(), 'ramp-path-'));
  await symlink(
    join(packageRoot, 'dist', 'src', 'cli', 'kubectl-ramp.js'),
    join(pathDir, 'kubectl-ramp'),
  );
});

afterAll(async () => {
  await rm(pathDir, { recursive: true, force: true });
});

describe('binaries', () => {
  it('kubectl finds the plugin on PATH: `kubectl ramp version`', async () => {
    const env = { ...process.env, PATH: `${pathDir}:${process.env.PATH}` };
    const listed = await runCommand(inject('kubectl'), ['plugin', 'list'], { env });
    expect(listed.stdout).toContain(join(pathDir, 'kubectl-ramp'));
    // --client: only the plugin's own version (without it, version also asks the cluster).
    const result = await runCommand(inject('kubectl'), ['ramp', 'version', '--client'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`kubectl-ramp: v${version}\n`);
  });

  it.skipIf(!inject('localControlPlane'))(
    'the built Kubernetes reports the version pinned in tools/k8s/go.mod',
    async () => {
      const result = await runCommand(inject('kubectl'), ['version', '-o', 'json'], {
        env: { ...process.env, KUBECONFIG: inject('kubeconfig') },
      });
      expect(result.code, result.stderr).toBe(0);
      const versions = JSON.parse(result.stdout) as Record<string, { gitVersion: string }>;
      const pinned = /k8s\.io\/kubernetes (v[\d.]+)/.exec(
        await readFile(join(packageRoot, 'tools', 'k8s', 'go.mod'), 'utf8'),
      )?.[1];
      expect(versions.serverVersion?.gitVersion).toBe(pinned);
      expect(versions.clientVersion?.gitVersion).toBe(pinned);
    },
  );

  it('ramp --version prints the package version', async () => {
    const result = await ramp(['--version']);
    expect(result.stdout.trim()).toBe(version);
  });

  it('a bad setting is one clear line and exit 1, not a stack trace', async () => {
    const result = await ramp(['local', 'status'], { RAMP_LOG_LEVEL: 'loud' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'ramp: RAMP_LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent\n',
    );
  });

  it('`ramp local env` without a cluster says how to start one', async () => {
    const runDir = join(tmpdir(), 'ramp-no-such-run-dir');
    const result = await ramp(['local', '--run-dir', runDir, 'env']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ramp: no local control plane in ${runDir}: run 'ramp local up' first\n`,
    );
  });
});
