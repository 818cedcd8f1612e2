// Analysis in the Rollout planners, driven through whole rollouts in the in-memory cluster: runs
// are created with Argo's names and labels, their verdicts promote, pause or abort, and runs no
// gate holds are stopped.
import { describe, expect, it } from 'vitest';

import type { AnalysisTemplate } from '../../src/api/analysis.js';
import type { Rollout } from '../../src/api/rollout.js';
import {
  buildAnalysisRun,
  type RunFacts,
  type RunInput,
} from '../../src/decide/analysis/rollout-analysis.js';
import { runsToDelete, runsToTerminate } from '../../src/decide/analysis-gates.js';
import { finishRun, template, World } from './plan-world.js';

const successRate: AnalysisTemplate = {
  metadata: { name: 'success-rate', namespace: 'ns' },
  spec: {
    args: [{ name: 'service' }, { name: 'hash' }, { name: 'threshold', value: '0.95' }],
    metrics: [
      {
        name: 'success-rate',
        successCondition: 'result[0] >= {{args.threshold}}',
        provider: { prometheus: { query: 'rate(x{svc="{{args.service}}"}[1m])' } },
      },
    ],
  },
};

function canaryRollout(canary: Record<string, unknown>): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'ns', generation: 1, uid: 'u1' },
    spec: {
      replicas: 5,
      selector: { matchLabels: { app: 'web' } },
      template: template('web:1'),
      strategy: { canary: canary },
    },
  };
}

const analysis = {
  templates: [{ templateName: 'success-rate' }],
  args: [
    { name: 'service', value: 'web' },
    { name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } },
  ],
};

function world(canary: Record<string, unknown>): World {
  const w = new World(canaryRollout(canary));
  w.templates = { 'success-rate': successRate };
  w.settle();
  w.update('web:2');
  return w;
}

describe('buildAnalysisRun', () => {
  const input = (over: Partial<RunInput> = {}): RunInput => ({
    rollout: canaryRollout({}),
    kind: 'Step',
    request: analysis,
    template: (name) => (name === 'success-rate' ? successRate : undefined),
    podHash: 'abc',
    stableHash: 'def',
    revision: 2,
    stepIndex: 1,
    existingNames: [],
    ...over,
  });

  it('names, labels and resolves args as Argo does', () => {
    const built = buildAnalysisRun(input());
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.run.metadata).toMatchObject({
      name: 'web-abc-2-1',
      labels: { 'rollout-type': 'Step', 'rollouts-pod-template-hash': 'abc', 'step-index': '1' },
      annotations: { 'rollout.argoproj.io/revision': '2' },
    });
    expect(built.run.spec.args).toEqual([
      { name: 'service', value: 'web' },
      { name: 'hash', value: 'abc' },
      { name: 'threshold', value: '0.95' },
    ]);
  });

  it.each([
    [{ kind: 'Background' as const, stepIndex: undefined }, 'web-abc-2'],
    [{ kind: 'PrePromotion' as const, stepIndex: undefined }, 'web-abc-2-pre'],
    [{ kind: 'PostPromotion' as const, stepIndex: undefined }, 'web-abc-2-post'],
    [{ existingNames: ['web-abc-2-1'] }, 'web-abc-2-1.2'],
    [{ existingNames: ['web-abc-2-1', 'web-abc-2-1.2'] }, 'web-abc-2-1.3'],
  ])('%j is named %s', (over, name) => {
    const built = buildAnalysisRun(input(over));
    expect(built.ok && built.run.metadata.name).toBe(name);
  });

  it.each([
    [{ template: () => undefined }, 'AnalysisTemplate "success-rate" not found'],
    [
      { request: { templates: [{ templateName: 'success-rate' }] } },
      'args.service was not given a value',
    ],
    [
      {
        request: {
          ...analysis,
          args: [{ name: 'service', valueFrom: { fieldRef: { fieldPath: 'metadata.labels.x' } } }],
        },
      },
      'args.service could not be resolved',
    ],
  ])('reports %#: %s', (over, error) => {
    expect(buildAnalysisRun(input(over))).toEqual({ ok: false, error });
  });

  it('takes args from fields of the Rollout and metrics from nested templates', () => {
    const outer: AnalysisTemplate = {
      metadata: { name: 'outer' },
      spec: {
        templates: [{ templateName: 'success-rate', clusterScope: true }],
        metrics: [{ name: 'latency', provider: { web: { url: 'http://x' } } }],
      },
    };
    const built = buildAnalysisRun(
      input({
        template: (name, cluster) =>
          name === 'outer' ? outer : cluster && name === 'success-rate' ? successRate : undefined,
        request: {
          templates: [{ templateName: 'outer' }],
          args: [
            { name: 'service', valueFrom: { fieldRef: { fieldPath: "metadata['name']" } } },
            { name: 'hash', valueFrom: { podTemplateHashValue: 'Stable' } },
          ],
        },
      }),
    );
    expect(built.ok && built.run.spec.metrics.map((m) => m.name)).toEqual([
      'success-rate',
      'latency',
    ]);
    expect(built.ok && built.run.spec.args?.slice(0, 2)).toEqual([
      { name: 'service', value: 'web' },
      { name: 'hash', value: 'def' },
    ]);
  });
});

describe('canary analysis steps', () => {
  const steps = [{ setWeight: 20 }, { analysis }, { setWeight: 60 }];

  it('blocks the step until its run succeeds, then moves on', () => {
    const w = world({ steps });
    w.settle();
    expect(w.ro.status?.currentStepIndex).toBe(1);
    expect(w.runs).toHaveLength(1);
    expect(w.runs[0]).toMatchObject({ kind: 'Step', stepIndex: '1', phase: 'Running' });
    expect(w.ro.status?.canary?.currentStepAnalysisRunStatus).toEqual({
      name: w.runs[0]!.name,
      status: 'Running',
    });
    finishRun(w, 'Step', 'Successful');
    w.settle();
    expect(w.ro.status?.phase).toBe('Healthy');
    expect(w.ro.status?.canary?.currentStepAnalysisRunStatus).toBeUndefined();
  });

  it('aborts on a failed run: status.abort, Degraded with the metric message, an event', () => {
    const w = world({ steps });
    w.settle();
    finishRun(
      w,
      'Step',
      'Failed',
      'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
    );
    w.settle();
    expect(w.ro.status).toMatchObject({ abort: true, phase: 'Degraded' });
    expect(w.ro.status?.message).toContain('assessed Failed');
    expect(w.events).toEqual(expect.arrayContaining(['AnalysisRunFailed', 'RolloutAborted']));
    expect(w.sizes()).toEqual([5, 0]);
    // Retry runs the analysis again, in a new run.
    w.ro = { ...w.ro, status: { ...w.ro.status, abort: false } };
    w.settle();
    expect(w.runs.map((r) => r.name)).toEqual([w.runs[0]!.name, `${w.runs[0]!.name}.2`]);
  });

  it('pauses on an inconclusive run; promote skips the step', () => {
    const w = world({ steps });
    w.settle();
    finishRun(w, 'Step', 'Inconclusive');
    w.settle();
    expect(w.ro.status).toMatchObject({ phase: 'Paused', controllerPause: true });
    expect(w.ro.status?.pauseConditions?.[0]?.reason).toBe('InconclusiveAnalysisRun');
    w.ro = { ...w.ro, status: { ...w.ro.status, pauseConditions: [] } };
    w.settle();
    expect(w.ro.status?.phase).toBe('Healthy');
  });

  it('reports a missing template as InvalidSpec and creates nothing', () => {
    const w = world({ steps });
    w.templates = {};
    w.settle();
    expect(w.runs).toEqual([]);
    expect(w.ro.status?.conditions?.find((c) => c.type === 'InvalidSpec')?.message).toContain(
      'AnalysisTemplate "success-rate" not found',
    );
  });
});

describe('canary background analysis', () => {
  const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }];

  it('starts at startingStep, runs alongside the steps, and is stopped when the rollout completes', () => {
    const w = world({ steps, analysis: { ...analysis, startingStep: 1 } });
    w.pass();
    expect(w.runs).toEqual([]);
    w.settle();
    expect(w.runs).toHaveLength(1);
    expect(w.runs[0]).toMatchObject({ kind: 'Background' });
    expect(w.ro.status?.canary?.currentBackgroundAnalysisRunStatus?.name).toBe(w.runs[0]!.name);
    w.ro = { ...w.ro, status: { ...w.ro.status, pauseConditions: [] } };
    w.settle();
    w.ro = { ...w.ro, status: { ...w.ro.status, pauseConditions: [] } };
    w.settle();
    expect(w.ro.status?.phase).toBe('Healthy');
    expect(w.runs[0]!.terminate).toBe(true);
  });

  it('a failing background run aborts the canary mid-pause', () => {
    const w = world({ steps, analysis });
    w.settle();
    expect(w.ro.status?.phase).toBe('Paused');
    finishRun(w, 'Background', 'Error');
    w.settle();
    expect(w.ro.status).toMatchObject({ abort: true, phase: 'Degraded' });
  });

  it('an inconclusive background run pauses; promote starts a fresh run', () => {
    const w = world({ steps: [{ setWeight: 20 }, { setWeight: 40 }], analysis });
    w.pass();
    w.pass();
    finishRun(w, 'Background', 'Inconclusive');
    w.settle();
    expect(w.ro.status?.pauseConditions?.[0]?.reason).toBe('InconclusiveAnalysisRun');
    w.ro = { ...w.ro, status: { ...w.ro.status, pauseConditions: [] } };
    w.settle();
    expect(w.runs.filter((r) => r.kind === 'Background')).toHaveLength(2);
  });
});

describe('blue-green promotion analysis', () => {
  function bgWorld(blueGreen: Record<string, unknown>): World {
    const w = new World({
      ...canaryRollout({}),
      spec: {
        ...canaryRollout({}).spec,
        strategy: {
          blueGreen: { activeService: 'active', previewService: 'preview', ...blueGreen },
        },
      },
    });
    w.services = { active: {}, preview: {} };
    w.templates = { 'success-rate': successRate };
    w.settle();
    w.update('web:2');
    return w;
  }

  it('pre-promotion analysis gates the switch; failure aborts with active untouched', () => {
    const w = bgWorld({ prePromotionAnalysis: analysis });
    const v1 = w.ro.status!.stableRS;
    w.settle();
    expect(w.runs[0]).toMatchObject({ kind: 'PrePromotion' });
    expect(w.services!.active!.selectorHash).toBe(v1);
    finishRun(w, 'PrePromotion', 'Failed');
    w.settle();
    expect(w.ro.status).toMatchObject({ phase: 'Degraded', abort: true });
    expect(w.services!.active!.selectorHash).toBe(v1);
  });

  it('post-promotion analysis after the switch; failure moves active back', () => {
    const w = bgWorld({ postPromotionAnalysis: analysis });
    const v1 = w.ro.status!.stableRS;
    w.settle();
    const v2 = w.ro.status!.currentPodHash;
    expect(w.services!.active!.selectorHash).toBe(v2);
    expect(w.runs[0]).toMatchObject({ kind: 'PostPromotion' });
    expect(w.ro.status?.blueGreen?.postPromotionAnalysisRunStatus?.name).toBe(w.runs[0]!.name);
    finishRun(w, 'PostPromotion', 'Failed');
    w.settle();
    expect(w.services!.active!.selectorHash).toBe(v1);
    expect(w.ro.status).toMatchObject({ phase: 'Degraded', stableRS: v1 });
  });

  it('a preview pod that flaps does not stop (and so pass) the pre-promotion run', () => {
    const w = bgWorld({ prePromotionAnalysis: analysis });
    w.settle();
    const v2 = w.ro.status!.currentPodHash!;
    w.stuck.add(v2);
    w.settle();
    expect(w.runs).toHaveLength(1);
    expect(w.runs[0]!.terminate).toBe(false);
    w.stuck.delete(v2);
    w.rss = w.rss.map((rs) =>
      rs.podHash === v2
        ? { ...rs, availableReplicas: rs.specReplicas, readyReplicas: rs.specReplicas }
        : rs,
    );
    w.settle();
    expect(w.services!.active!.selectorHash).not.toBe(v2);
    finishRun(w, 'PrePromotion', 'Successful');
    w.settle();
    expect(w.services!.active!.selectorHash).toBe(v2);
  });

  it('retry after a failed pre-promotion analysis runs it again in a new run', () => {
    const w = bgWorld({ prePromotionAnalysis: analysis });
    w.settle();
    finishRun(w, 'PrePromotion', 'Failed');
    w.settle();
    expect(w.ro.status?.phase).toBe('Degraded');
    expect(w.ro.status?.blueGreen?.prePromotionAnalysisRunStatus).toBeUndefined();
    w.ro = { ...w.ro, status: { ...w.ro.status, abort: false } };
    w.settle();
    expect(w.ro.status?.phase).toBe('Progressing');
    expect(w.runs.map((r) => r.phase)).toEqual(['Failed', 'Running']);
  });

  it('an inconclusive pre-promotion run pauses for a person; promote goes on', () => {
    const w = bgWorld({ prePromotionAnalysis: analysis });
    w.settle();
    finishRun(w, 'PrePromotion', 'Inconclusive');
    w.settle();
    expect(w.ro.status?.phase).toBe('Paused');
    expect(w.ro.status?.pauseConditions?.[0]?.reason).toBe('InconclusiveAnalysisRun');
    w.ro = { ...w.ro, status: { ...w.ro.status, pauseConditions: [] } };
    w.settle();
    expect(w.ro.status?.stableRS).toBe(w.ro.status?.currentPodHash);
  });

  it('an inconclusive post-promotion run pauses; promote completes', () => {
    const w = bgWorld({ postPromotionAnalysis: analysis });
    w.settle();
    finishRun(w, 'PostPromotion', 'Inconclusive');
    w.settle();
    expect(w.ro.status?.pauseConditions?.[0]?.reason).toBe('InconclusiveAnalysisRun');
    expect(w.ro.status?.phase).toBe('Paused');
    w.ro = { ...w.ro, status: { ...w.ro.status, pauseConditions: [] } };
    w.settle();
    expect(w.ro.status?.phase).toBe('Healthy');
    expect(w.ro.status?.stableRS).toBe(w.ro.status?.currentPodHash);
  });

  it('post-promotion success marks the new stack stable', () => {
    const w = bgWorld({ postPromotionAnalysis: analysis });
    w.settle();
    finishRun(w, 'PostPromotion', 'Successful');
    w.settle();
    expect(w.ro.status?.stableRS).toBe(w.ro.status?.currentPodHash);
    expect(w.ro.status?.phase).toBe('Healthy');
  });
});

describe('run housekeeping', () => {
  const runFacts = (name: string, phase: string | undefined, created: number): RunFacts => ({
    name,
    kind: 'Background',
    podHash: 'h',
    stepIndex: undefined,
    phase,
    message: undefined,
    terminate: false,
    created,
  });
  const runs = [
    runFacts('s1', 'Successful', 1),
    runFacts('s2', 'Successful', 2),
    runFacts('s3', 'Successful', 3),
    runFacts('f1', 'Failed', 4),
    runFacts('f2', 'Error', 5),
    runFacts('live', 'Running', 6),
  ];

  it.each([
    [{}, []],
    [{ successfulRunHistoryLimit: 1 }, ['s2', 's1']],
    [{ successfulRunHistoryLimit: 2, unsuccessfulRunHistoryLimit: 0 }, ['s1', 'f2', 'f1']],
  ])('history limits %j delete %j', (limits, deleted) => {
    const ro = { ...canaryRollout({}), spec: { ...canaryRollout({}).spec, analysis: limits } };
    expect(runsToDelete(ro, runs)).toEqual(deleted);
  });

  it('never deletes a run a gate holds', () => {
    const ro = {
      ...canaryRollout({}),
      spec: { ...canaryRollout({}).spec, analysis: { unsuccessfulRunHistoryLimit: 0 } },
    };
    expect(runsToDelete(ro, runs, ['f2'])).toEqual(['f1']);
  });

  it('terminates live runs no gate holds', () => {
    expect(runsToTerminate(runs, [])).toEqual(['live']);
    expect(runsToTerminate(runs, ['live'])).toEqual([]);
  });
});
