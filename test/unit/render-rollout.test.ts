// The plugin's views as text: `get rollout` for a canary mid-step and a blue-green awaiting
// promotion (colour off, fixed clock), the badges each object gets, the list's columns, and the
// watch loop's redraw rules.
import type { V1Job, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import type { AnalysisRun } from '../../src/api/analysis.js';
import type { Rollout } from '../../src/api/rollout.js';
import { renderList, listRow } from '../../src/cli/plugin/render-list.js';
import { renderRollout, statusLine } from '../../src/cli/plugin/render-rollout.js';
import { goDurationText, humanAge } from '../../src/cli/plugin/render-table.js';
import {
  analysisBadge,
  canaryProgress,
  describeStep,
  effectiveStatus,
  imagesOf,
  jobPhase,
  measurementCounts,
  outcomeOf,
  phaseBadge,
  podBadge,
  podStatusText,
  replicaSetBadge,
  rolesOf,
  scaleDownDelay,
  type RolloutView,
} from '../../src/cli/plugin/rollout-info.js';
import { inPlace, watchFrames, type Frame } from '../../src/cli/plugin/watch.js';

const now = Date.parse('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(now - seconds * 1000).toISOString();
const stableHash = '7c85b8dc77';
const canaryHash = '6cf78d4fd7';

function replicaSet(
  rollout: Rollout,
  hash: string,
  opts: { revision: number; image: string; replicas: number; available?: number; age: number },
): V1ReplicaSet {
  return {
    metadata: {
      name: `${rollout.metadata.name}-${hash}`,
      uid: `rs-${hash}`,
      creationTimestamp: ago(opts.age) as unknown as Date,
      labels: { app: rollout.metadata.name, 'rollouts-pod-template-hash': hash },
      annotations: { 'rollout.argoproj.io/revision': String(opts.revision) },
      ownerReferences: [
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Rollout',
          name: 'x',
          uid: 'ro',
          controller: true,
        },
      ],
    },
    spec: {
      replicas: opts.replicas,
      selector: {},
      template: { spec: { containers: [{ name: 'app', image: opts.image }] } },
    },
    status: {
      replicas: opts.replicas,
      readyReplicas: opts.available ?? opts.replicas,
      availableReplicas: opts.available ?? opts.replicas,
    },
  };
}

function pod(
  rs: V1ReplicaSet,
  suffix: string,
  opts: { age: number; ready?: boolean; restarts?: number } = { age: 60 },
): V1Pod {
  return {
    metadata: {
      name: `${rs.metadata?.name}-${suffix}`,
      creationTimestamp: ago(opts.age) as unknown as Date,
      labels: { ...rs.metadata?.labels },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: rs.metadata?.uid ?? '' },
      ],
    },
    spec: { containers: [{ name: 'app' }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: 'x',
          imageID: 'x',
          ready: opts.ready ?? true,
          restartCount: opts.restarts ?? 0,
          state: { running: {} },
        },
      ],
    },
  };
}

/** (a) A canary paused at step 2/4 with weight 20 and a background analysis running. */
function canaryView(): RolloutView {
  const rollout: Rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'ro',
      generation: 2,
      creationTimestamp: ago(2 * 86400 + 3 * 3600),
    },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: 'web' } },
      strategy: {
        canary: {
          steps: [
            { setWeight: 20 },
            { pause: { duration: '1m' } },
            { pause: {} },
            { setWeight: 60 },
          ],
          analysis: { templates: [{ templateName: 'success-rate' }], startingStep: 1 },
        },
      },
    },
    status: {
      phase: 'Paused',
      message: 'CanaryPauseStep',
      observedGeneration: '2',
      currentStepIndex: 2,
      currentPodHash: canaryHash,
      stableRS: stableHash,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: ago(45) }],
      replicas: 5,
      updatedReplicas: 1,
      readyReplicas: 5,
      availableReplicas: 5,
      canary: {
        weights: {
          canary: { weight: 20, podTemplateHash: canaryHash },
          stable: { weight: 80, podTemplateHash: stableHash },
        },
      },
    },
  };
  const stable = replicaSet(rollout, stableHash, {
    revision: 1,
    image: 'registry.example/web:1.4.2',
    replicas: 4,
    age: 2 * 86400 + 3 * 3600,
  });
  const canary = replicaSet(rollout, canaryHash, {
    revision: 2,
    image: 'registry.example/web:1.5.0',
    replicas: 1,
    age: 110,
  });
  const run: AnalysisRun = {
    metadata: {
      name: `web-${canaryHash}-2`,
      uid: 'run-2',
      creationTimestamp: ago(80),
      labels: { 'rollout-type': 'Background', 'rollouts-pod-template-hash': canaryHash },
      annotations: { 'rollout.argoproj.io/revision': '2' },
    },
    spec: { metrics: [] },
    status: {
      phase: 'Running',
      metricResults: [
        { name: 'success-rate', phase: 'Running', count: 4, successful: 3, failed: 1 },
        { name: 'smoke', phase: 'Successful', count: 1, successful: 1 },
      ],
    },
  };
  const job: V1Job = {
    metadata: {
      name: 'run-2.smoke.1',
      creationTimestamp: ago(80) as unknown as Date,
      labels: { 'analysisrun.argoproj.io/uid': 'run-2' },
    },
    status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
  };
  return {
    rollout,
    replicaSets: [stable, canary],
    pods: [
      pod(canary, 'qbgzf', { age: 100 }),
      pod(stable, '2lq8w', { age: 2 * 86400, restarts: 1 }),
      pod(stable, '5ktr9', { age: 2 * 86400 }),
      pod(stable, '9xv2m', { age: 2 * 86400 }),
      pod(stable, 'h7c4p', { age: 2 * 86400 }),
    ],
    analysisRuns: [run],
    jobs: [job],
  };
}

/** (b) A blue-green rollout waiting to be promoted: active on v1, preview on v2. */
function blueGreenView(): RolloutView {
  const rollout: Rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: {
      name: 'shop',
      namespace: 'store',
      uid: 'ro',
      generation: 3,
      creationTimestamp: ago(5 * 3600 + 20 * 60),
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'shop' } },
      strategy: {
        blueGreen: {
          activeService: 'shop-active',
          previewService: 'shop-preview',
          autoPromotionEnabled: false,
        },
      },
    },
    status: {
      phase: 'Paused',
      message: 'BlueGreenPause',
      observedGeneration: '3',
      currentPodHash: canaryHash,
      stableRS: stableHash,
      pauseConditions: [{ reason: 'BlueGreenPause', startTime: ago(200) }],
      blueGreen: { activeSelector: stableHash, previewSelector: canaryHash },
      replicas: 4,
      updatedReplicas: 2,
      readyReplicas: 3,
      availableReplicas: 3,
    },
  };
  const v0 = replicaSet(rollout, '55d8f6c9b4', {
    revision: 1,
    image: 'shop:0',
    replicas: 0,
    age: 9 * 86400,
  });
  const v1 = replicaSet(rollout, stableHash, {
    revision: 2,
    image: 'shop:1',
    replicas: 2,
    age: 5 * 3600 + 20 * 60,
  });
  const v2 = replicaSet(rollout, canaryHash, {
    revision: 3,
    image: 'shop:2',
    replicas: 2,
    available: 1,
    age: 230,
  });
  return {
    rollout,
    replicaSets: [v0, v1, v2],
    pods: [
      pod(v1, 'abcde', { age: 5 * 3600 }),
      pod(v1, 'fghij', { age: 5 * 3600 }),
      pod(v2, 'klmno', { age: 220 }),
      pod(v2, 'pqrst', { age: 220, ready: false }),
    ],
    analysisRuns: [],
    jobs: [],
  };
}

describe('get rollout rendering (colour off)', () => {
  it('(a) a canary paused mid-step with a background analysis', () => {
    expect('\n' + renderRollout(canaryView(), { now, color: false })).toMatchInlineSnapshot(`
      "
      Name:            web
      Namespace:       shop
      Status:          ॥ Paused
      Message:         CanaryPauseStep · paused 45s
      Strategy:        Canary
        Step:          2/4  pause until promoted
        SetWeight:     20
        ActualWeight:  20
      Images:          registry.example/web:1.4.2 (stable)
                       registry.example/web:1.5.0 (canary)
      Replicas:
        Desired:       5
        Current:       5
        Updated:       1
        Ready:         5
        Available:     5

      NAME                             KIND         STATUS        AGE   INFO
      ⟳ web                            Rollout      ॥ Paused      2d3h
      ├──# revision:2
      │  ├──⧉ web-6cf78d4fd7           ReplicaSet   ✔ Healthy     110s  canary
      │  │  └──□ web-6cf78d4fd7-qbgzf  Pod          ✔ Running     100s  ready:1/1
      │  └──α web-6cf78d4fd7-2         AnalysisRun  ◌ Running     80s   background ✔ 4 ✖ 1
      │     └──⊞ run-2.smoke.1         Job          ✔ Successful  80s
      └──# revision:1
         └──⧉ web-7c85b8dc77           ReplicaSet   ✔ Healthy     2d3h  stable
            ├──□ web-7c85b8dc77-2lq8w  Pod          ✔ Running     2d    ready:1/1,restarts:1
            ├──□ web-7c85b8dc77-5ktr9  Pod          ✔ Running     2d    ready:1/1
            ├──□ web-7c85b8dc77-9xv2m  Pod          ✔ Running     2d    ready:1/1
            └──□ web-7c85b8dc77-h7c4p  Pod          ✔ Running     2d    ready:1/1
      "
    `);
  });

  it('(b) a blue-green rollout awaiting promotion', () => {
    expect('\n' + renderRollout(blueGreenView(), { now, color: false })).toMatchInlineSnapshot(`
      "
      Name:            shop
      Namespace:       store
      Status:          ॥ Paused
      Message:         BlueGreenPause · paused 3m20s
      Strategy:        BlueGreen
      Images:          shop:1 (stable, active)
                       shop:2 (preview)
      Replicas:
        Desired:       2
        Current:       4
        Updated:       2
        Ready:         3
        Available:     3

      NAME                              KIND        STATUS         AGE    INFO
      ⟳ shop                            Rollout     ॥ Paused       5h20m
      ├──# revision:3
      │  └──⧉ shop-6cf78d4fd7           ReplicaSet  ◌ Progressing  3m50s  preview
      │     ├──□ shop-6cf78d4fd7-klmno  Pod         ✔ Running      3m40s  ready:1/1
      │     └──□ shop-6cf78d4fd7-pqrst  Pod         ◌ Running      3m40s  ready:0/1
      ├──# revision:2
      │  └──⧉ shop-7c85b8dc77           ReplicaSet  ✔ Healthy      5h20m  stable,active
      │     ├──□ shop-7c85b8dc77-abcde  Pod         ✔ Running      5h     ready:1/1
      │     └──□ shop-7c85b8dc77-fghij  Pod         ✔ Running      5h     ready:1/1
      └──# revision:1
         └──⧉ shop-55d8f6c9b4           ReplicaSet  • ScaledDown   9d
      "
    `);
  });

  it('colour changes nothing but the escape codes', () => {
    const coloured = renderRollout(canaryView(), { now, color: true });
    expect(coloured).toContain('\x1b[33m॥ Paused\x1b[39m');
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(
      renderRollout(canaryView(), { now, color: false }),
    );
  });

  it('shows images with their roles, stable side first', () => {
    const view = canaryView();
    expect(imagesOf({ ...view, replicaSets: [...view.replicaSets].reverse() })).toEqual([
      { image: 'registry.example/web:1.4.2', roles: ['stable'] },
      { image: 'registry.example/web:1.5.0', roles: ['canary'] },
    ]);
    const bg = blueGreenView();
    expect(rolesOf(bg.rollout, stableHash)).toEqual(['stable', 'active']);
    expect(rolesOf(bg.rollout, canaryHash)).toEqual(['preview']);
    expect(rolesOf(bg.rollout, 'other')).toEqual([]);
  });

  it('sums measurements over the metrics', () => {
    expect(measurementCounts(canaryView().analysisRuns[0]!)).toEqual({
      successful: 4,
      failed: 1,
      inconclusive: 0,
      error: 0,
    });
  });
});

describe('status of a rollout', () => {
  const base = canaryView().rollout;
  const withStatus = (
    status: Partial<NonNullable<Rollout['status']>>,
    generation = 2,
  ): Rollout => ({
    ...base,
    metadata: { ...base.metadata, generation },
    status: { ...base.status, ...status },
  });

  it.each([
    ['Healthy', '', 'healthy', 'Healthy'],
    ['Paused', 'CanaryPauseStep', 'waiting', 'Paused - CanaryPauseStep'],
    [
      'Progressing',
      'more replicas need to be updated',
      'waiting',
      'Progressing - more replicas need to be updated',
    ],
    [
      'Degraded',
      'ProgressDeadlineExceeded: ReplicaSet "web-1" has timed out progressing.',
      'degraded',
      'Degraded - ProgressDeadlineExceeded: ReplicaSet "web-1" has timed out progressing.',
    ],
    [
      'Degraded',
      'RolloutAborted: Rollout aborted update to revision 2',
      'aborted',
      'Degraded - RolloutAborted: Rollout aborted update to revision 2',
    ],
  ])('%s "%s" → %s', (phase, message, outcome, line) => {
    const rollout = withStatus({ phase, message });
    expect(outcomeOf(rollout)).toBe(outcome);
    expect(statusLine(rollout, false)).toBe(line);
  });

  it('an abort request counts before the controller has written Degraded', () => {
    expect(outcomeOf(withStatus({ abort: true }))).toBe('aborted');
  });

  it('a spec the controller has not observed is Progressing, whatever the old phase said', () => {
    const rollout = withStatus({ phase: 'Healthy', abort: true }, 3);
    expect(effectiveStatus(rollout)).toEqual({
      phase: 'Progressing',
      message: 'waiting for rollout spec update to be observed',
      stale: true,
    });
    expect(outcomeOf(rollout)).toBe('waiting');
    const { status: _status, ...unobserved } = base;
    expect(outcomeOf(unobserved)).toBe('waiting');
  });

  it.each([
    [2, undefined, { step: '2/4', setWeight: 20, stepAction: 'pause until promoted' }],
    [0, undefined, { step: '0/4', setWeight: 20, stepAction: 'setWeight 20' }],
    [1, undefined, { step: '1/4', setWeight: 20, stepAction: 'pause 1m' }],
    [4, undefined, { step: '4/4', setWeight: 100, stepAction: undefined }],
    [2, true, { step: '2/4', setWeight: 0, stepAction: 'pause until promoted' }],
  ])('canary at step %i (abort %s)', (index, abort, expected) => {
    const progress = canaryProgress(
      withStatus({ currentStepIndex: index, ...(abort ? { abort } : {}) }),
    );
    expect(progress).toMatchObject(expected);
  });

  it('actual weight: the router’s weight when routed, else the canary’s share of available pods', () => {
    const view = canaryView();
    expect(canaryProgress(view.rollout, view)?.actualWeight).toBe(20);
    const routed: Rollout = {
      ...view.rollout,
      spec: {
        ...view.rollout.spec,
        strategy: { canary: { ...view.rollout.spec.strategy!.canary, trafficRouting: {} } },
      },
    };
    expect(canaryProgress(routed, view)?.actualWeight).toBe(20);
    expect(canaryProgress(blueGreenView().rollout)).toBeUndefined();
  });

  it.each([
    [{ setWeight: 40 }, 'setWeight 40'],
    [{ pause: {} }, 'pause until promoted'],
    [{ pause: { duration: 30 } }, 'pause 30'],
    [{ analysis: { templates: [] } }, 'analysis'],
    [{ setCanaryScale: { replicas: 2 } }, 'setCanaryScale'],
  ])('describes step %j as "%s"', (step, text) => {
    expect(describeStep(step)).toBe(text);
  });
});

describe('badges', () => {
  it.each([
    ['Healthy', '✔'],
    ['Progressing', '◌'],
    ['Paused', '॥'],
    ['Degraded', '✖'],
    ['Bogus', '?'],
  ])('phase %s → %s', (phase, icon) => {
    expect(phaseBadge(phase)).toMatchObject({ icon, text: phase });
  });

  it.each([
    ['Running', '✔'],
    ['Completed', '✔'],
    ['Pending', '◌'],
    ['ContainerCreating', '◌'],
    ['Terminating', '◌'],
    ['Init:0/1', '◌'],
    ['CrashLoopBackOff', '✖'],
    ['ExitCode:137', '✖'],
    ['Signal:9', '✖'],
    ['ImagePullBackOff', '⚠'],
    ['ErrImagePull', '⚠'],
    ['CreateContainerConfigError', '⚠'],
  ])('pod %s → %s', (status, icon) => {
    expect(podBadge(status).icon).toBe(icon);
  });

  it('a running pod that is not ready yet is still on its way', () => {
    expect(podBadge('Running', '0/1').icon).toBe('◌');
    expect(podBadge('Running', '2/2').icon).toBe('✔');
  });

  it.each([
    ['Successful', '✔'],
    ['Failed', '✖'],
    ['Error', '⚠'],
    ['Inconclusive', '?'],
    ['Running', '◌'],
    ['Pending', '◌'],
  ])('analysis %s → %s', (phase, icon) => {
    expect(analysisBadge(phase).icon).toBe(icon);
  });

  const podWith = (status: V1Pod['status'] | undefined, deleting = false): V1Pod => ({
    metadata: deleting ? { deletionTimestamp: new Date(now) } : {},
    ...(status ? { status } : {}),
  });
  it.each([
    ['running', 'Running', podWith({ phase: 'Running' })],
    ['succeeded', 'Completed', podWith({ phase: 'Succeeded' })],
    ['deleting', 'Terminating', podWith({ phase: 'Running' }, true)],
    ['no status', 'Unknown', podWith(undefined)],
    ['evicted', 'Evicted', podWith({ phase: 'Failed', reason: 'Evicted' })],
    [
      'crash looping',
      'CrashLoopBackOff',
      podWith({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'a',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      }),
    ],
    [
      'killed',
      'Signal:9',
      podWith({
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'a',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, signal: 9 } },
          },
        ],
      }),
    ],
    [
      'initialising',
      'Init:0/1',
      podWith({
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'i',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { running: {} },
          },
        ],
      }),
    ],
    [
      'init failing',
      'Init:Error',
      podWith({
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'i',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 2,
            state: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      }),
    ],
  ])('pod status text: %s → %s', (_what, text, p) => {
    expect(podStatusText(p)).toBe(text);
  });

  const rs = (
    replicas: number,
    current: number,
    available: number,
    extra: Partial<V1ReplicaSet> = {},
  ): V1ReplicaSet => ({
    metadata: {},
    spec: { replicas, selector: {} },
    status: { replicas: current, availableReplicas: available },
    ...extra,
  });
  it.each([
    ['all available', '✔ Healthy', rs(3, 3, 3)],
    ['coming up', '◌ Progressing', rs(3, 3, 1)],
    ['scaled down', '• ScaledDown', rs(0, 0, 0)],
    ['scaling down', '◌ Progressing', rs(0, 2, 2)],
    [
      'failing to create pods',
      '✖ Degraded',
      rs(3, 0, 0, {
        status: { replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True' }] },
      }),
    ],
  ])('ReplicaSet %s → %s', (_what, badge, r) => {
    const b = replicaSetBadge(r);
    expect(`${b.icon} ${b.text}`).toBe(badge);
  });

  it('scale-down delay: time left, then passed, none once scaled down', () => {
    const delayed = (replicas: number, deadline: string): V1ReplicaSet => ({
      metadata: { annotations: { 'scale-down-deadline': deadline } },
      spec: { replicas, selector: {} },
    });
    expect(scaleDownDelay(delayed(2, new Date(now + 29_400).toISOString()), now)).toBe(29_400);
    expect(scaleDownDelay(delayed(2, new Date(now - 1).toISOString()), now)).toBe('passed');
    expect(scaleDownDelay(delayed(0, new Date(now + 5000).toISOString()), now)).toBeUndefined();
    expect(goDurationText(29_400)).toBe('29s');
    expect(goDurationText(65_000)).toBe('1m5s');
    expect(goDurationText(3_603_000)).toBe('1h0m3s');
  });

  it.each([
    [{ succeeded: 1 }, 'Successful'],
    [{ failed: 1, conditions: [{ type: 'Failed', status: 'True' }] }, 'Failed'],
    [{ active: 1 }, 'Running'],
    [{}, 'Pending'],
  ])('Job status %j → %s', (status, phase) => {
    expect(jobPhase({ status })).toBe(phase);
  });

  it.each([
    [0, '0s'],
    [-500, '0s'],
    [-5000, '<invalid>'],
    [45_000, '45s'],
    [119_000, '119s'],
    [150_000, '2m30s'],
    [600_000, '10m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [10 * 3600_000, '10h'],
    [3 * 86400_000 + 4 * 3600_000, '3d4h'],
    [30 * 86400_000, '30d'],
    [(3 * 365 + 12) * 86400_000, '3y12d'],
    [9 * 365 * 86400_000, '9y'],
  ])('age %i ms → %s', (ms, text) => {
    expect(humanAge(ms)).toBe(text);
  });
});

describe('list rollouts rendering', () => {
  const canary = canaryView().rollout;
  const blueGreen = blueGreenView().rollout;
  const healthy: Rollout = {
    ...canary,
    metadata: { ...canary.metadata, name: 'api', namespace: 'backend', creationTimestamp: ago(30) },
    status: {
      ...canary.status,
      phase: 'Healthy',
      message: '',
      currentStepIndex: 4,
      stableRS: canaryHash,
      readyReplicas: 5,
    },
  };

  it('one row per rollout with its columns', () => {
    expect(listRow(canary, now)).toEqual({
      namespace: 'shop',
      name: 'web',
      strategy: 'Canary',
      status: 'Paused',
      step: '2/4',
      setWeight: '20',
      ready: '5/5',
      age: '2d3h',
    });
    expect(listRow(blueGreen, now)).toMatchObject({
      strategy: 'BlueGreen',
      step: '-',
      setWeight: '-',
      ready: '3/2',
    });
    expect(listRow(healthy, now)).toMatchObject({
      status: 'Healthy',
      step: '4/4',
      setWeight: '100',
    });
  });

  it('aligns the columns, sorted by name', () => {
    expect(
      '\n' + renderList([canary, blueGreen, healthy], { now, color: false, allNamespaces: false }),
    ).toMatchInlineSnapshot(`
      "
      NAME  STRATEGY   STATUS   STEP  SET-WEIGHT  READY  AGE
      api   Canary     Healthy  4/4   100         5/5    30s
      shop  BlueGreen  Paused   -     -           3/2    5h20m
      web   Canary     Paused   2/4   20          5/5    2d3h
      "
    `);
  });

  it('adds NAMESPACE first with -A, sorted by namespace', () => {
    expect(
      '\n' + renderList([canary, blueGreen, healthy], { now, color: false, allNamespaces: true }),
    ).toMatchInlineSnapshot(`
      "
      NAMESPACE  NAME  STRATEGY   STATUS   STEP  SET-WEIGHT  READY  AGE
      backend    api   Canary     Healthy  4/4   100         5/5    30s
      shop       web   Canary     Paused   2/4   20          5/5    2d3h
      store      shop  BlueGreen  Paused   -     -           3/2    5h20m
      "
    `);
  });

  it('colours the status without moving the columns', () => {
    const coloured = renderList([canary, healthy], { now, color: true, allNamespaces: false });
    expect(coloured).toContain('\x1b[32mHealthy\x1b[39m');
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(
      renderList([canary, healthy], { now, color: false, allNamespaces: false }),
    );
  });
});

describe('watch', () => {
  async function run(frames: Frame[], isTTY: boolean): Promise<string[]> {
    const writes: string[] = [];
    const controller = new AbortController();
    let i = 0;
    await watchFrames(
      () => {
        // One poll past the last frame ends the watch (as Ctrl-C would, mid-sleep).
        if (i === frames.length) controller.abort();
        return Promise.resolve(frames[Math.min(i++, frames.length - 1)]!);
      },
      {
        out: { isTTY, write: (t: string) => writes.push(t) },
        signal: controller.signal,
        intervalMs: 1,
      },
    );
    return writes;
  }

  it('redraws a terminal in place, only when the text changed', async () => {
    const writes = await run(
      [
        { text: 'a\nbb\n', key: '1' },
        { text: 'a\nbb\n', key: '2' },
        { text: 'c\n', key: '2' },
      ],
      true,
    );
    expect(writes).toEqual([
      '\x1b[?25l\x1b[H\x1b[2J',
      '\x1b[Ha\x1b[K\nbb\x1b[K\n\x1b[J',
      '\x1b[Hc\x1b[K\n\x1b[J',
      '\x1b[?25h',
    ]);
    expect(inPlace('x\n')).toBe('\x1b[Hx\x1b[K\n\x1b[J');
  });

  it('appends to a pipe when the objects changed, with no escape codes', async () => {
    const writes = await run(
      [
        { text: 'age 1s\n', key: '1' },
        { text: 'age 2s\n', key: '1' },
        { text: 'age 3s\n', key: '2' },
      ],
      false,
    );
    expect(writes).toEqual(['age 1s\n', '\nage 3s\n']);
  });
});
