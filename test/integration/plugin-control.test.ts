// `kubectl ramp` control commands through the real kubectl (plugin discovery on PATH) against the
// real controller: each command changes a running rollout exactly as the controller expects, the
// analysis commands create, terminate and take measurements, version shows what the controller
// published, lint catches every class of InvalidSpec, and bad input is one line with exit 1.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import type { AnalysisRun } from '../../src/api/analysis.js';
import type { Rollout } from '../../src/api/rollout.js';
import { runCommand, type CommandResult } from '../../src/local/exec.js';
import { packageRoot, version } from '../../src/version.js';
import { startController, type ControllerProcess } from '../support/controller.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { startPrometheusWithSeries, type NowPrometheus } from '../support/prometheus-now.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
const custom = ns.kc.makeApiClient(CustomObjectsApi);
const argo = { group: 'argoproj.io', version: 'v1alpha1' };
let controller: ControllerProcess;
let prometheus: NowPrometheus;
let dir: string;

/** The environment kubectl runs in: kubectl-ramp on PATH, the test cluster's kubeconfig. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${dir}:${process.env.PATH}`,
    KUBECONFIG: inject('kubeconfig'),
    NO_COLOR: '1',
    ...extra,
  };
}

/** `kubectl ramp ARGS -n NS` (kubectl passes everything after "ramp" to the plugin). */
function ramp(args: string[], extra: Record<string, string> = {}): Promise<CommandResult> {
  return runCommand(inject('kubectl'), ['ramp', ...args, '-n', ns.name], { env: env(extra) });
}

/** `kubectl ramp ARGS` with `input` on stdin. */
function rampWithInput(args: string[], input: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(inject('kubectl'), ['ramp', ...args], { env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function ok(args: string[]): Promise<string> {
  const result = await ramp(args);
  expect(result.stderr, `kubectl ramp ${args.join(' ')}`).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** A failure is exactly one line on stderr (no stack trace) and exit 1. */
function expectOneLineError(result: CommandResult, text: string | RegExp): void {
  expect(result.code, result.stdout).toBe(1);
  expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(result.stderr).toMatch(typeof text === 'string' ? new RegExp(escape(text)) : text);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const pauseStep = (r: Rollout): boolean =>
  r.status?.phase === 'Paused' &&
  (r.status.pauseConditions ?? []).some((p) => p.reason === 'CanaryPauseStep');
const imageOf = (r: Rollout): unknown =>
  (r.spec.template as { spec: { containers: { image: string }[] } }).spec.containers[0]?.image;

async function podNames(app: string): Promise<string[]> {
  const pods = await ns.core.listNamespacedPod({ namespace: ns.name, labelSelector: `app=${app}` });
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => p.metadata?.name ?? '');
}

async function createTemplate(name: string, spec: Record<string, unknown>): Promise<void> {
  await custom.createNamespacedCustomObject({
    ...argo,
    plural: 'analysistemplates',
    namespace: ns.name,
    body: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name },
      spec,
    },
  });
}

const successRate = (address?: string) => ({
  args: [{ name: 'app' }],
  metrics: [
    {
      name: 'success-rate',
      interval: '1s',
      count: 1000,
      successCondition: 'result[0] >= 0.95',
      provider: {
        prometheus: {
          query: 'app_success_ratio{app="{{args.app}}"}',
          ...(address ? { address } : {}),
        },
      },
    },
  ],
});

beforeAll(async () => {
  // What `npm link` does: an executable named kubectl-ramp on PATH.
  dir = await mkdtemp(join(tmpdir(), 'ramp-plugin-'));
  await symlink(
    join(packageRoot, 'dist', 'src', 'cli', 'kubectl-ramp.js'),
    join(dir, 'kubectl-ramp'),
  );
  prometheus = await startPrometheusWithSeries([
    { metric: 'app_success_ratio', labels: { app: 'good' }, value: 0.99 },
    { metric: 'app_success_ratio', labels: { app: 'bad' }, value: 0.5 },
  ]);
  await installRampCrds(ns.kc);
  controller = startController(ns.name);
}, 300_000);

afterAll(async () => {
  await controller?.stop();
  await prometheus?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('kubectl ramp on a running canary', () => {
  const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }];
  let v1Hash: string | undefined;

  it('set image starts an update; promote moves it from the pause at step 1 to the pause at step 3', async () => {
    await rollouts.create(canaryRollout('web', 'web:1', steps, {}, 5));
    v1Hash = (await rollouts.waitUntil('web', 'Healthy', (r) => r.status?.phase === 'Healthy'))
      .status?.stableRS;
    expect(await ok(['set', 'image', 'web', 'app=web:2'])).toBe('rollout "web" image updated\n');
    const paused = await rollouts.waitUntil(
      'web',
      'paused at step 1',
      (r) => r.status?.currentStepIndex === 1 && pauseStep(r),
    );
    expect(imageOf(paused)).toBe('web:2');
    expect(paused.status?.controllerPause).toBe(true);
    expect(await ok(['promote', 'web'])).toBe("rollout 'web' promoted\n");
    await rollouts.waitUntil(
      'web',
      'paused at step 3',
      (r) => r.status?.currentStepIndex === 3 && pauseStep(r),
    );
  });

  it('abort makes it Degraded; retry rollout starts the steps again', async () => {
    expect(await ok(['abort', 'web'])).toBe("rollout 'web' aborted\n");
    await rollouts.waitUntil(
      'web',
      'Degraded',
      (r) => r.status?.phase === 'Degraded' && r.status.abort === true,
    );
    expect(await ok(['retry', 'rollout', 'web'])).toBe("rollout 'web' retried\n");
    await rollouts.waitUntil(
      'web',
      'paused at step 1 again',
      (r) => r.status?.abort !== true && r.status?.currentStepIndex === 1 && pauseStep(r),
    );
  });

  it('promote --full skips the remaining steps: Healthy on the new image', async () => {
    expect(await ok(['promote', 'web', '--full'])).toBe("rollout 'web' fully promoted\n");
    const done = await rollouts.waitUntil(
      'web',
      'Healthy at web:2',
      (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== v1Hash,
    );
    expect(done.status?.stableRS).toBe(done.status?.currentPodHash);
  });

  it('undo brings back the previous revision’s template; unknown and current revisions are handled', async () => {
    expect(await ok(['undo', 'web'])).toBe("rollout 'web' undo\n");
    const undone = await rollouts.waitUntil(
      'web',
      'updating back to web:1',
      (r) =>
        r.status?.currentPodHash === v1Hash && r.status?.currentStepIndex === 1 && pauseStep(r),
    );
    expect(imageOf(undone)).toBe('web:1');
    const labels = (undone.spec.template as { metadata: { labels: Record<string, string> } })
      .metadata.labels;
    expect(labels).toEqual({ app: 'web' });
    await ok(['promote', 'web', '--full']);
    await rollouts.waitUntil(
      'web',
      'Healthy at web:1',
      (r) => r.status?.phase === 'Healthy' && r.status.stableRS === v1Hash,
    );
    // Undoing to the revision whose template is in place already changes nothing.
    const v1 = await ns.apps.readNamespacedReplicaSet({
      name: `web-${v1Hash}`,
      namespace: ns.name,
    });
    const revision = v1.metadata?.annotations?.['rollout.argoproj.io/revision'] ?? '';
    expect(await ok(['undo', 'web', '--to-revision', revision])).toBe(
      `skipped rollback (current template already matches revision ${revision})\n`,
    );
    expectOneLineError(
      await ramp(['undo', 'web', '--to-revision', '99']),
      'kubectl-ramp: rollout "web": unable to find specified revision 99 in history',
    );
  });

  it('restart replaces every pod and the controller records restartedAt', async () => {
    const before = await podNames('web');
    await delay(1100);
    expect(await ok(['restart', 'web'])).toBe("rollout 'web' restarts in 0s\n");
    const restartAt = (await rollouts.get('web')).spec.restartAt;
    expect(restartAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await rollouts.waitUntil('web', 'restartedAt', (r) => r.status?.restartedAt === restartAt);
    const after = await podNames('web');
    expect(after).toHaveLength(5);
    expect(after.filter((n) => before.includes(n))).toEqual([]);
  });

  it('pause holds an update at its step (phase Paused); resume lets it continue', async () => {
    await rollouts.create(
      canaryRollout('held', 'held:1', [{ setWeight: 50 }, { pause: {} }], {}, 2),
    );
    await rollouts.waitUntil('held', 'Healthy', (r) => r.status?.phase === 'Healthy');
    expect(await ok(['pause', 'held'])).toBe("rollout 'held' paused\n");
    await rollouts.waitUntil(
      'held',
      'manually paused',
      (r) => r.status?.phase === 'Paused' && r.status.message === 'manually paused',
    );
    await ok(['set', 'image', 'held', 'app=held:2']);
    await delay(3000);
    const held = await rollouts.get('held');
    expect(held.spec.paused).toBe(true);
    expect(held.status?.phase).toBe('Paused');
    expect(held.status?.currentStepIndex ?? 0).toBe(0);
    expect(await ok(['resume', 'held'])).toBe("rollout 'held' resumed\n");
    await rollouts.waitUntil(
      'held',
      'on to the pause step',
      (r) => r.status?.currentStepIndex === 1 && pauseStep(r),
    );
    await ok(['promote', 'held']);
    await rollouts.waitUntil(
      'held',
      'Healthy at held:2',
      (r) => r.status?.phase === 'Healthy' && imageOf(r) === 'held:2',
    );
  });
});

describe('analysis commands', () => {
  it('create analysisrun --from builds the run from the template and the controller runs it; terminate stops it', async () => {
    await createTemplate('probe', successRate(prometheus.url));
    const created = await ok(['create', 'analysisrun', '--from', 'probe', '-a', 'app=good']);
    const name = /^analysisrun\.argoproj\.io\/(probe-[a-z0-9]+) created\n$/.exec(created)?.[1];
    expect(name, created).toBeDefined();
    const get = async () =>
      (await custom.getNamespacedCustomObject({
        ...argo,
        plural: 'analysisruns',
        namespace: ns.name,
        name: name!,
      })) as AnalysisRun;
    const run = await get();
    expect(run.spec.args).toEqual([{ name: 'app', value: 'good' }]);
    expect(run.spec.metrics.map((m) => m.name)).toEqual(['success-rate']);
    await waitFor(
      'the run measures',
      async () => ((await get()).status?.metricResults?.[0]?.count ?? 0) >= 1,
    );
    expect((await get()).status?.phase).toBe('Running');
    expect(await ok(['terminate', 'analysisrun', name!])).toBe(
      `analysisRun '${name}' terminated\n`,
    );
    await waitFor('the run ends', async () => (await get()).status?.message === 'Run Terminated');
    expect((await get()).spec.terminate).toBe(true);
  });

  it('create analysisrun: --name, and an arg without a value is refused before anything is created', async () => {
    expect(
      await ok(['create', 'analysisrun', '--from', 'probe', '-a', 'app=good', '--name', 'fixed']),
    ).toBe('analysisrun.argoproj.io/fixed created\n');
    await ok(['terminate', 'analysisrun', 'fixed']);
    expectOneLineError(
      await ramp(['create', 'analysisrun', '--from', 'probe']),
      'kubectl-ramp: args.app was not resolved: give it a value with -a app=VALUE',
    );
    expectOneLineError(
      await ramp(['create', 'analysisrun', '--from', 'nope']),
      `kubectl-ramp: analysistemplate "nope" in namespace "${ns.name}" not found`,
    );
  });

  it('analyze measures each metric once against Prometheus and judges it: exit 0 only when all succeed', async () => {
    await createTemplate('rates', {
      args: [{ name: 'app' }],
      metrics: [
        {
          name: 'success-rate',
          successCondition: 'result[0] >= 0.95',
          provider: { prometheus: { query: 'app_success_ratio{app="{{args.app}}"}' } },
        },
        {
          name: 'smoke',
          provider: {
            job: {
              spec: {
                template: {
                  spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' },
                },
              },
            },
          },
        },
      ],
    });
    const good = await ramp([
      'analyze',
      '--template',
      'rates',
      '-a',
      'app=good',
      '--prometheus',
      prometheus.url,
    ]);
    expect(good.stderr).toBe('');
    expect(good.code, good.stdout).toBe(0);
    expect(good.stdout).toMatch(/^METRIC +VALUE +VERDICT +CONDITION\n/);
    expect(good.stdout).toMatch(
      /\nsuccess-rate +\[0\.99\] +Successful +success: result\[0\] >= 0\.95\n/,
    );
    expect(good.stdout).toMatch(
      /\nsmoke +- +Skipped +-\n {2}smoke: a job metric runs a Job: pass --run-jobs to run it\n/,
    );

    const bad = await ramp([
      'analyze',
      '--template',
      'rates',
      '-a',
      'app=bad',
      '--prometheus',
      prometheus.url,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/\nsuccess-rate +\[0\.5\] +Failed +success: result\[0\] >= 0\.95\n/);

    const file = join(dir, 'rates.yaml');
    await writeFile(
      file,
      stringify({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'from-file' },
        spec: successRate(),
      }),
    );
    const none = await ramp([
      'analyze',
      '-f',
      file,
      '-a',
      'app=missing',
      '--prometheus',
      prometheus.url,
    ]);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(
      /\nsuccess-rate +\[\] +Inconclusive .*\n {2}success-rate: no data: the query returned no samples/,
    );
  });
});

describe('version', () => {
  it('shows the plugin version and the version the controller published', async () => {
    const out = await ok(['version']);
    expect(out).toMatch(
      new RegExp(
        `^kubectl-ramp: v${escape(version)}\ncontroller: v${escape(version)} \\(watches namespace "${ns.name}", started \\S+; published in ${ns.name}/ramp-controller\\)\n$`,
      ),
    );
    const client = await ok(['version', '--client']);
    expect(client).toBe(`kubectl-ramp: v${version}\n`);
  });

  it.skipIf(!inject('localControlPlane'))(
    'says "unknown (not found)" where no controller published one',
    async () => {
      const result = await runCommand(inject('kubectl'), ['ramp', 'version', '-n', 'kube-public'], {
        env: env(),
      });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`kubectl-ramp: v${version}\ncontroller: unknown (not found)\n`);
    },
  );
});

/** The base Rollout of the lint table, valid as it is. */
const base = () => ({
  replicas: 3,
  selector: { matchLabels: { app: 'web' } },
  template: {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'web:1' }] },
  },
  strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } as Record<string, unknown> },
});
const withCanary = (canary: Record<string, unknown>) => ({
  ...base(),
  strategy: { canary: { ...base().strategy.canary, ...canary } },
});
const routed = {
  canaryService: 'c',
  stableService: 's',
  trafficRouting: { nginx: { stableIngress: 'i' } },
};
const istio = {
  canaryService: 'c',
  stableService: 's',
  trafficRouting: { istio: { virtualService: { name: 'vs' } }, managedRoutes: [{ name: 'r1' }] },
};

/** One bad Rollout per rule of validate-rollout.ts, with the field the controller reports. */
const invalidSpecClasses: [string, unknown, string][] = [
  [
    'two-keys',
    withCanary({ steps: [{ setWeight: 10, pause: {} }] }),
    'spec.strategy.canary.steps[0]',
  ],
  ['empty-step', withCanary({ steps: [{}] }), 'spec.strategy.canary.steps[0]'],
  [
    'weight-101',
    withCanary({ steps: [{ setWeight: 101 }] }),
    'spec.strategy.canary.steps[0].setWeight',
  ],
  [
    'over-max-weight',
    withCanary({
      ...routed,
      trafficRouting: { ...routed.trafficRouting, maxTrafficWeight: 50 },
      steps: [{ setWeight: 60 }],
    }),
    'spec.strategy.canary.steps[0].setWeight',
  ],
  [
    'bad-pause',
    withCanary({ steps: [{ pause: { duration: 'soon' } }] }),
    'spec.strategy.canary.steps[0].pause.duration',
  ],
  [
    'no-canary-service',
    withCanary({ stableService: 's', trafficRouting: { nginx: { stableIngress: 'i' } } }),
    'spec.strategy.canary.canaryService',
  ],
  [
    'same-services',
    withCanary({ ...routed, stableService: 'c' }),
    'spec.strategy.canary.stableService',
  ],
  [
    'zero-surge',
    withCanary({ maxSurge: 0, maxUnavailable: '0%' }),
    'spec.strategy.canary.maxSurge',
  ],
  ['bad-surge', withCanary({ maxSurge: 'lots' }), 'spec.strategy.canary.maxSurge'],
  [
    'delay-without-routing',
    withCanary({ scaleDownDelaySeconds: 30 }),
    'spec.strategy.canary.scaleDownDelaySeconds',
  ],
  [
    'dynamic-without-routing',
    withCanary({ dynamicStableScale: true }),
    'spec.strategy.canary.dynamicStableScale',
  ],
  [
    'dynamic-with-delay',
    withCanary({ ...routed, scaleDownDelaySeconds: 30, dynamicStableScale: true }),
    'spec.strategy.canary.dynamicStableScale',
  ],
  [
    'scale-without-routing',
    withCanary({ steps: [{ setCanaryScale: { weight: 10 } }] }),
    'spec.strategy.canary.trafficRouting',
  ],
  [
    'route-without-managed',
    withCanary({
      ...istio,
      trafficRouting: { istio: { virtualService: { name: 'vs' } } },
      steps: [{ setHeaderRoute: { name: 'r1' } }],
    }),
    'spec.strategy.canary.trafficRouting.managedRoutes',
  ],
  [
    'route-not-managed',
    withCanary({ ...istio, steps: [{ setHeaderRoute: { name: 'other' } }] }),
    'spec.strategy.canary.steps[0].setHeaderRoute',
  ],
  [
    'two-matchers',
    withCanary({
      ...istio,
      steps: [
        {
          setHeaderRoute: {
            name: 'r1',
            match: [{ headerName: 'h', headerValue: { exact: 'a', regex: 'b' } }],
          },
        },
      ],
    }),
    'spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue',
  ],
  [
    'mirror-through-nginx',
    withCanary({ ...routed, steps: [{ setMirrorRoute: { name: 'm' } }] }),
    'spec.strategy.canary.steps[0].setMirrorRoute',
  ],
  [
    'header-without-routing',
    withCanary({ steps: [{ setHeaderRoute: { name: 'r1' } }] }),
    'spec.strategy.canary.steps[0].setHeaderRoute',
  ],
  [
    'experiment',
    withCanary({ steps: [{ experiment: { templates: [] } }] }),
    'spec.strategy.canary.steps[0].experiment',
  ],
  [
    'plugin-step',
    withCanary({ steps: [{ plugin: { name: 'p' } }] }),
    'spec.strategy.canary.steps[0].plugin',
  ],
  [
    'alb',
    withCanary({
      canaryService: 'c',
      stableService: 's',
      trafficRouting: { alb: { ingress: 'i' } },
    }),
    'spec.strategy.canary.trafficRouting.alb',
  ],
  [
    'router-plugin',
    withCanary({
      canaryService: 'c',
      stableService: 's',
      trafficRouting: { plugins: { 'acme/router': {} } },
    }),
    'spec.strategy.canary.trafficRouting.plugins',
  ],
  [
    'ping-pong',
    withCanary({ pingPong: { pingService: 'a', pongService: 'b' } }),
    'spec.strategy.canary.pingPong',
  ],
  [
    'both-affinities',
    withCanary({
      antiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: { weight: 1 },
        requiredDuringSchedulingIgnoredDuringExecution: {},
      },
    }),
    'spec.strategy.canary.antiAffinity',
  ],
  [
    'analysis-without-template',
    withCanary({ analysis: { templates: [] } }),
    'spec.strategy.canary.analysis.templates',
  ],
  [
    'step-analysis-unnamed',
    withCanary({ steps: [{ analysis: { templates: [{}] } }] }),
    'spec.strategy.canary.steps[0].analysis.templates[0].templateName',
  ],
  ['no-selector', { ...base(), selector: undefined }, 'spec.selector'],
  ['empty-selector', { ...base(), selector: {} }, 'spec.selector'],
  [
    'labels-mismatch',
    { ...base(), selector: { matchLabels: { app: 'api' } } },
    'spec.template.metadata.labels',
  ],
  [
    'no-containers',
    { ...base(), template: { metadata: { labels: { app: 'web' } }, spec: {} } },
    'spec.template.spec.containers',
  ],
  [
    'template-and-ref',
    { ...base(), workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' } },
    'spec.template',
  ],
  ['no-strategy', { ...base(), strategy: {} }, 'spec.strategy'],
  [
    'two-strategies',
    { ...base(), strategy: { canary: {}, blueGreen: { activeService: 'a' } } },
    'spec.strategy',
  ],
  ['deadline', { ...base(), minReadySeconds: 700 }, 'spec.progressDeadlineSeconds'],
  ['negative-replicas', { ...base(), replicas: -1 }, 'spec.replicas'],
  [
    'bg-same-services',
    { ...base(), strategy: { blueGreen: { activeService: 'a', previewService: 'a' } } },
    'spec.strategy.blueGreen.activeService',
  ],
  [
    'bg-delay-limit',
    {
      ...base(),
      revisionHistoryLimit: 2,
      strategy: { blueGreen: { activeService: 'a', scaleDownDelayRevisionLimit: 3 } },
    },
    'spec.strategy.blueGreen.scaleDownDelayRevisionLimit',
  ],
  [
    'bg-unavailable',
    { ...base(), strategy: { blueGreen: { activeService: 'a', maxUnavailable: 'some' } } },
    'spec.strategy.blueGreen.maxUnavailable',
  ],
  [
    'bg-pre-analysis',
    { ...base(), strategy: { blueGreen: { activeService: 'a', prePromotionAnalysis: {} } } },
    'spec.strategy.blueGreen.prePromotionAnalysis.templates',
  ],
];

const rolloutDoc = (name: string, spec: unknown) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name },
  spec,
});

describe('lint', () => {
  it('reports every class of problem the controller reports as InvalidSpec, type errors, and template errors', async () => {
    const docs = [
      ...invalidSpecClasses.map(([name, spec]) => rolloutDoc(name, spec)),
      rolloutDoc('typed', { ...base(), replicas: 'three', stratgy: {} }),
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'tpl' },
        spec: {
          args: [{ name: 'app' }],
          dryRun: [{ metricName: 'nope' }],
          metrics: [
            {
              name: 'rate',
              successCondition: 'result[0] >=',
              provider: { prometheus: { query: 'up' } },
            },
          ],
        },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'ClusterAnalysisTemplate',
        metadata: { name: 'rules' },
        spec: {
          dryRun: [{ metricName: 'nope' }],
          metrics: [{ name: 'rate', provider: { web: { url: 'http://x/{{args.missing}}' } } }],
        },
      },
      rolloutDoc('valid', base()),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ignored' } },
    ];
    const file = join(dir, 'bad.yaml');
    await writeFile(file, docs.map((d) => stringify(d)).join('---\n'));
    const result = await runCommand(inject('kubectl'), ['ramp', 'lint', '-f', file], {
      env: env(),
    });
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    invalidSpecClasses.forEach(([name, , field], i) => {
      expect(
        lines.some((l) => l.startsWith(`${file}:${i + 1}: Rollout/${name}: ${field}: `)),
        `${name}: ${field}`,
      ).toBe(true);
    });
    const n = invalidSpecClasses.length;
    expect(lines).toContain(
      `${file}:${n + 1}: Rollout/typed: spec.replicas: expected integer, got "three"`,
    );
    expect(lines).toContain(
      `${file}:${n + 1}: Rollout/typed: spec.stratgy: unknown field (the API server would drop it)`,
    );
    expect(
      lines.find((l) =>
        l.startsWith(
          `${file}:${n + 2}: AnalysisTemplate/tpl: spec.metrics[0]: metric "rate": successCondition`,
        ),
      ),
    ).toBeDefined();
    expect(lines).toContain(
      `${file}:${n + 3}: ClusterAnalysisTemplate/rules: spec.metrics[0]: metric "rate": no value for args.missing`,
    );
    expect(lines.filter((l) => l.includes('Rollout/valid') || l.includes('Service/'))).toEqual([]);
  });

  it('finds the same problem the controller writes into the InvalidSpec condition', async () => {
    const bad = invalidSpecClasses.find(([name]) => name === 'weight-101')!;
    const lint = await rampWithInput(
      ['lint', '-f', '-'],
      stringify(rolloutDoc('weight-101', bad[1])),
    );
    expect(lint.code).toBe(1);
    const message = /^<stdin>:1: Rollout\/weight-101: (.+)$/m.exec(lint.stdout)?.[1];
    expect(message).toBeDefined();
    await rollouts.create(rolloutDoc('weight-101', bad[1]));
    const seen = await rollouts.waitUntil('weight-101', 'InvalidSpec', (r) =>
      (r.status?.conditions ?? []).some((c) => c.type === 'InvalidSpec'),
    );
    expect(seen.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      message!,
    );
  });

  it('exits 0 with "no problems" for a valid file read from stdin', async () => {
    const result = await rampWithInput(['lint', '-f', '-'], stringify(rolloutDoc('fine', base())));
    expect(result).toEqual({ code: 0, stdout: 'no problems\n', stderr: '' });
  });
});

/** A kubeconfig for the test cluster with another user (or another server). */
async function kubeconfigWith(
  file: string,
  change: { token?: string; server?: string },
): Promise<string> {
  const cluster = ns.kc.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, server: change.server ?? cluster.server }],
    users: [{ name: 'other', token: change.token ?? 'none' }],
    contexts: [{ name: 'other', cluster: cluster.name, user: 'other' }],
    currentContext: 'other',
  });
  const path = join(dir, file);
  await writeFile(path, kc.exportConfig());
  return path;
}

describe('bad input: one clear line, exit 1', () => {
  it.each<[string, string[], string]>([
    [
      'an unknown rollout',
      ['promote', 'nope'],
      'kubectl-ramp: rollout "nope" in namespace "NS" not found',
    ],
    [
      'a malformed CONTAINER=IMAGE',
      ['set', 'image', 'web', 'app'],
      'kubectl-ramp: invalid CONTAINER=IMAGE argument "app": expected e.g. app=nginx:1.27',
    ],
    [
      'an unknown container',
      ['set', 'image', 'web', 'nope=x:1'],
      'kubectl-ramp: rollout "web" has no container named "nope" (containers: app)',
    ],
    [
      'an unknown AnalysisRun',
      ['terminate', 'analysisrun', 'nope'],
      'kubectl-ramp: analysisrun "nope" in namespace "NS" not found',
    ],
    [
      'a lint file that is not there',
      ['lint', '-f', '/no/such/file.yaml'],
      'kubectl-ramp: cannot read /no/such/file.yaml: ENOENT',
    ],
  ])('%s', async (_what, args, message) => {
    expectOneLineError(await ramp(args), message.replace('"NS"', `"${ns.name}"`));
  });

  it('a wrong namespace', async () => {
    const result = await runCommand(
      inject('kubectl'),
      ['ramp', '-n', 'no-such-namespace', 'abort', 'web'],
      { env: env() },
    );
    expectOneLineError(
      result,
      'kubectl-ramp: rollout "web" in namespace "no-such-namespace" not found',
    );
  });

  it('no cluster reachable', async () => {
    const kubeconfig = await kubeconfigWith('unreachable.yaml', { server: 'https://127.0.0.1:1' });
    const result = await ramp(['pause', 'web'], { KUBECONFIG: kubeconfig });
    expectOneLineError(
      result,
      /^kubectl-ramp: cannot reach https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
  });

  it.skipIf(!inject('localControlPlane'))('RBAC forbids it', async () => {
    await ns.core.createNamespacedServiceAccount({
      namespace: ns.name,
      body: { metadata: { name: 'nobody' } },
    });
    const token = await ns.core.createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace: ns.name,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const kubeconfig = await kubeconfigWith('nobody.yaml', { token: token.status?.token ?? '' });
    const result = await ramp(['promote', 'web'], { KUBECONFIG: kubeconfig });
    expectOneLineError(
      result,
      new RegExp(
        `^kubectl-ramp: forbidden \\(rollout "web" in namespace "${ns.name}"\\): .*cannot get resource "rollouts"`,
      ),
    );
  });
});

describe('completion', () => {
  it('the bash script completes commands, subcommands and flags', async () => {
    const script = (await ok(['completion', 'bash'])).replace(/\n$/, '');
    const complete = async (words: string[]): Promise<string> => {
      const line = `${script}\nCOMP_WORDS=(${words.map((w) => `"${w}"`).join(' ')}); COMP_CWORD=${words.length - 1}; _kubectl_ramp; echo "\${COMPREPLY[*]}"`;
      const result = await runCommand('bash', ['-c', line]);
      expect(result.stderr).toBe('');
      return result.stdout.trim();
    };
    expect((await complete(['kubectl-ramp', 'pro'])).split(' ')).toEqual(['promote']);
    expect(await complete(['kubectl-ramp', 'set', ''])).toContain('image');
    expect(await complete(['kubectl-ramp', '-n', 'x', 'promote', '--f'])).toBe('--full');
    expect((await complete(['kubectl-ramp', 'create', 'ar', '--from'])).split(' ')).toEqual(
      expect.arrayContaining(['--from', '--from-file', '--from-cluster-template']),
    );
  });
});
