// `kubectl ramp get/list/status` as people run them: the real kubectl finds the built plugin on
// PATH, the real controller moves the rollouts, and every failure is one line with a clear exit code.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import type { Rollout } from '../../src/api/rollout.js';
import { runCommand, type CommandResult } from '../../src/local/exec.js';
import { packageRoot } from '../../src/version.js';
import { useController } from '../support/controller.js';
import { useTestNamespace } from '../support/namespace.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
useController(ns);

let workDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  // What `npm link` does: an executable named kubectl-ramp on PATH.
  workDir = await mkdtemp(join(tmpdir(), 'ramp-plugin-view-'));
  await symlink(
    join(packageRoot, 'dist', 'src', 'cli', 'kubectl-ramp.js'),
    join(workDir, 'kubectl-ramp'),
  );
  env = {
    ...process.env,
    PATH: `${workDir}:${process.env.PATH}`,
    KUBECONFIG: inject('kubeconfig'),
    NO_COLOR: '1',
  };
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** `kubectl ramp ARGS` in the test namespace (pass -n yourself to override). */
function kubectlRamp(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return runCommand(inject('kubectl'), ['ramp', ...args, ...namespaceFlag(args)], {
    env: { ...env, ...extraEnv },
  });
}

function namespaceFlag(args: string[]): string[] {
  return args.some((a) => a === '-n' || a === '-A' || a.startsWith('--kubeconfig'))
    ? []
    : ['-n', ns.name];
}

/** A `kubectl ramp` that keeps running (watch modes): its output so far, and its end. */
interface RunningRamp {
  /** Resolves once stdout contains `text`. */
  printed(text: string): Promise<void>;
  /** Sends a signal, as Ctrl-C does. */
  kill(signal: NodeJS.Signals): void;
  readonly done: Promise<CommandResult>;
}

function startRamp(args: string[]): RunningRamp {
  const child = spawn(inject('kubectl'), ['ramp', ...args, '-n', ns.name], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of waiters) if (stdout.includes(w.text)) w.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CommandResult>((resolve) =>
    child.once('close', (code) => resolve({ code: code ?? 128, stdout, stderr })),
  );
  return {
    printed: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void done.then((r) =>
          reject(new Error(`exited ${r.code} before printing ${text}: ${r.stderr}`)),
        );
      }),
    kill: (signal) => child.kill(signal),
    done,
  };
}

/** The one line a failure prints: no stack trace, nothing else. */
function expectOneLine(result: CommandResult, line: string): void {
  expect(result.stderr).toBe(`kubectl-ramp: ${line}\n`);
  expect(result.stdout).toBe('');
}

const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }];

async function pausedCanary(name: string): Promise<Rollout> {
  await rollouts.create(canaryRollout(name, `${name}:1`, steps));
  await rollouts.waitUntil(name, 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
  await rollouts.patchSpec(name, {
    spec: { template: { spec: { containers: [{ name: 'app', image: `${name}:2` }] } } },
  });
  return rollouts.waitUntil(
    name,
    'paused at step 1 with every pod available',
    (r) =>
      r.status?.phase === 'Paused' &&
      r.status.currentStepIndex === 1 &&
      r.status.availableReplicas === 5,
  );
}

describe('kubectl ramp get / list / status', () => {
  let paused: Rollout;

  beforeAll(async () => {
    paused = await pausedCanary('web');
  });

  it('get rollout: header and tree of a canary paused mid-step', async () => {
    const result = await kubectlRamp(['get', 'rollout', 'web']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const stable = paused.status?.stableRS ?? '';
    const canary = paused.status?.currentPodHash ?? '';
    expect(lines.slice(0, 17)).toEqual([
      'Name:            web',
      `Namespace:       ${ns.name}`,
      'Status:          ॥ Paused',
      expect.stringMatching(/^Message: {9}CanaryPauseStep · paused \d+s$/),
      'Strategy:        Canary',
      '  Step:          1/4  pause until promoted',
      '  SetWeight:     20',
      '  ActualWeight:  20',
      'Images:          web:1 (stable)',
      '                 web:2 (canary)',
      'Replicas:',
      '  Desired:       5',
      '  Current:       5',
      '  Updated:       1',
      '  Ready:         5',
      '  Available:     5',
      '',
    ]);
    const tree = lines.slice(17).map((l) => l.replace(/\s+/g, ' ').trim());
    expect(tree[0]).toBe('NAME KIND STATUS AGE INFO');
    expect(tree[1]).toMatch(/^⟳ web Rollout ॥ Paused \d+s$/);
    expect(tree[2]).toBe('├──# revision:2');
    expect(tree[3]).toMatch(new RegExp(`^│ └──⧉ web-${canary} ReplicaSet ✔ Healthy \\d+s canary$`));
    expect(tree[4]).toMatch(
      new RegExp(`^│ └──□ web-${canary}-\\w+ Pod ✔ Running \\d+s ready:1/1$`),
    );
    expect(tree[5]).toBe('└──# revision:1');
    expect(tree[6]).toMatch(new RegExp(`^└──⧉ web-${stable} ReplicaSet ✔ Healthy \\d+s stable$`));
    expect(tree.filter((l) => / Pod ✔ Running /.test(l))).toHaveLength(5);
  });

  it('get rollout -o json / -o yaml prints the Rollout object', async () => {
    const json = await kubectlRamp(['get', 'rollout', 'web', '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const object = JSON.parse(json.stdout) as Rollout;
    expect(object).toMatchObject({
      kind: 'Rollout',
      metadata: { name: 'web', namespace: ns.name },
      status: { phase: 'Paused' },
    });
    const yaml = await kubectlRamp(['get', 'ro', 'web', '-o', 'yaml']);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^apiVersion: argoproj.io\/v1alpha1\nkind: Rollout\n/);
  });

  it('list rollouts -o json / -o yaml prints a List of the Rollouts', async () => {
    const json = await kubectlRamp(['list', 'rollouts', '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const list = JSON.parse(json.stdout) as { kind: string; items: Rollout[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((r) => r.metadata.name)).toContain('web');
    const yaml = await kubectlRamp(['list', 'rollouts', '-o', 'yaml']);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(yaml.stdout).toMatch(/^apiVersion: v1\nkind: List\nitems:\n/);
    const bad = await kubectlRamp(['list', 'rollouts', '-o', 'table']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('kubectl-ramp: unknown output format "table": use json or yaml\n');
  });

  it('get rollout -w prints a frame, then ends cleanly on Ctrl-C', async () => {
    const watching = startRamp(['get', 'rollout', 'web', '-w']);
    await watching.printed('└──# revision:1');
    // kubectl execs the plugin in its own place, so the signal reaches the plugin itself.
    watching.kill('SIGINT');
    const result = await watching.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Status:          ॥ Paused');
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('list rollouts: one aligned line each; -A adds the namespace', async () => {
    await rollouts.create(canaryRollout('api', 'api:1', steps, {}, 2));
    await rollouts.waitUntil('api', 'Healthy', (r) => r.status?.phase === 'Healthy');
    const result = await kubectlRamp(['list', 'rollouts']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +STRATEGY +STATUS +STEP +SET-WEIGHT +READY +AGE$/);
    expect(lines[1]).toMatch(/^api +Canary +Healthy +4\/4 +100 +2\/2 +\d+s$/);
    expect(lines[2]).toMatch(/^web +Canary +Paused +1\/4 +20 +5\/5 +\d+s$/);
    expect(lines).toHaveLength(3);
    // Aligned: every column starts where its header does.
    for (const header of ['STRATEGY', 'STATUS', 'STEP', 'READY']) {
      const at = lines[0]!.indexOf(header);
      for (const line of lines.slice(1)) expect(line[at - 1]).toBe(' ');
      for (const line of lines.slice(1)) expect(line[at]).not.toBe(' ');
    }

    const all = await kubectlRamp(['list', 'rollouts', '-A']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^NAMESPACE +NAME +STRATEGY +STATUS/);
    expect(all.stdout).toMatch(new RegExp(`\\n${ns.name} +web +Canary +Paused +1/4 +20 +5/5 `));
  });

  it('list rollouts in an empty namespace says so on stderr', async () => {
    const result = await kubectlRamp(['list', 'rollouts', '-n', 'kube-public']);
    expect(result).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No resources found in kube-public namespace.\n',
    });
  });

  it('status --watch=false prints the phase; Paused is not a failure', async () => {
    const result = await kubectlRamp(['status', 'web', '--watch=false']);
    expect(result).toEqual({ code: 0, stdout: 'Paused - CanaryPauseStep\n', stderr: '' });
  });

  it('status --watch exits 0 once the rollout is Healthy', async () => {
    await rollouts.patchSpec('api', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'api:2' }] } } },
    });
    const watching = startRamp(['status', 'api', '--watch', '--timeout', '90s']);
    // The controller is quicker than a process start: promote only once the watch saw the pause.
    await watching.printed('Paused - CanaryPauseStep');
    await rollouts.promote('api');
    await rollouts.waitUntil(
      'api',
      'paused again at step 3',
      (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 3,
    );
    await rollouts.promote('api');
    const result = await watching.done;
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain('Paused - CanaryPauseStep');
    expect(lines.at(-1)).toBe('Healthy');
    expect(result.stderr).toBe('');
  });

  it('status --timeout exits 2 when a rollout stays paused', async () => {
    const started = Date.now();
    const result = await kubectlRamp(['status', 'web', '--timeout', '3s']);
    expect(result.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.stdout).toBe('Paused - CanaryPauseStep\n');
    expect(result.stderr).toBe(
      'kubectl-ramp: timed out after 3s waiting for rollout "web" to finish (Paused - CanaryPauseStep)\n',
    );
  });

  it('status --watch exits 1 when the rollout is aborted', async () => {
    const watching = startRamp(['status', 'web', '-w', '--timeout', '60s']);
    await watching.printed('Paused - CanaryPauseStep');
    await rollouts.abort('web');
    const result = await watching.done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout.split('\n')[0]).toBe('Paused - CanaryPauseStep');
    expect(result.stderr).toBe('kubectl-ramp: rollout "web" was aborted\n');

    await rollouts.waitUntil('web', 'Degraded', (r) => r.status?.phase === 'Degraded');
    const once = await kubectlRamp(['status', 'web', '--watch=false']);
    expect(once.code).toBe(1);
    expect(once.stdout).toBe('Degraded - RolloutAborted: Rollout aborted update to revision 2\n');
  });
});

describe('kubectl ramp: bad input is one line and a non-zero exit', () => {
  it('an unknown rollout', async () => {
    const result = await kubectlRamp(['get', 'rollout', 'nope']);
    expect(result.code).toBe(1);
    expectOneLine(result, `rollout "nope" in namespace "${ns.name}" not found`);
  });

  it('the wrong namespace', async () => {
    const result = await kubectlRamp(['status', 'web', '-n', 'no-such-namespace']);
    expect(result.code).toBe(1);
    expectOneLine(result, 'rollout "web" in namespace "no-such-namespace" not found');
  });

  it('a context the kubeconfig does not have', async () => {
    const result = await kubectlRamp(['get', 'rollout', 'web', '--context', 'nope']);
    expect(result.code).toBe(1);
    expectOneLine(result, 'context "nope" not found in kubeconfig');
  });

  it('no cluster at the address', async () => {
    const kubeconfig = join(workDir, 'dead.kubeconfig');
    await writeFile(kubeconfig, deadKubeconfig);
    const result = await kubectlRamp(['list', 'rollouts', '--kubeconfig', kubeconfig]);
    expect(result.code).toBe(1);
    expectOneLine(result, 'cannot reach https://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('RBAC forbids it', async () => {
    const kubeconfig = await serviceAccountKubeconfig('nobody');
    const result = await kubectlRamp(['get', 'rollout', 'web', '--kubeconfig', kubeconfig]);
    expect(result.code).toBe(1);
    expectOneLine(
      result,
      `forbidden (rollout "web" in namespace "${ns.name}"): rollouts.argoproj.io "web" is forbidden: ` +
        `User "system:serviceaccount:${ns.name}:nobody" cannot get resource "rollouts" in API group ` +
        `"argoproj.io" in the namespace "${ns.name}"`,
    );
  });

  it('an output format it does not know', async () => {
    const result = await kubectlRamp(['get', 'rollout', 'web', '-o', 'wide']);
    expect(result.code).toBe(1);
    expectOneLine(result, 'unknown output format "wide": use json or yaml');
  });
});

const deadKubeconfig = `apiVersion: v1
kind: Config
clusters: [{ name: dead, cluster: { server: 'https://127.0.0.1:1' } }]
users: [{ name: dead, user: { token: x } }]
contexts: [{ name: dead, context: { cluster: dead, user: dead } }]
current-context: dead
`;

/** A kubeconfig for a ServiceAccount with no permissions at all. */
async function serviceAccountKubeconfig(name: string): Promise<string> {
  await ns.core.createNamespacedServiceAccount({
    namespace: ns.name,
    body: { metadata: { name } },
  });
  const token = await ns.core.createNamespacedServiceAccountToken({
    name,
    namespace: ns.name,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const cluster = ns.kc.getCurrentCluster()!;
  const file = join(workDir, `${name}.kubeconfig`);
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: {
            server: cluster.server,
            ...(cluster.caData
              ? { 'certificate-authority-data': cluster.caData }
              : { 'certificate-authority': cluster.caFile }),
          },
        },
      ],
      users: [{ name: name, user: { token: token.status?.token } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: name, namespace: ns.name } }],
      'current-context': 'c',
    }),
  );
  return file;
}
