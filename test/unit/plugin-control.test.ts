// The pure parts of the control commands: what promote sends (Argo's getPatches, case by case),
// CONTAINER=IMAGE, the revision undo restores, retry's arguments, lint, the analysis run a template
// makes, analyze's verdicts, and the completion scripts.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import type { AnalysisTemplate, Metric } from '../../src/api/analysis.js';
import type { Rollout, RolloutStatus } from '../../src/api/rollout.js';
import { parseConditions } from '../../src/decide/analysis/judge.js';
import {
  analysisRunFrom,
  gatherTemplate,
  metricProblems,
  parseArgFlags,
  placeholderValues,
  runArgs,
  type GatheredTemplate,
} from '../../src/cli/plugin/analysis-build.js';
import { analyzeJobName, jobOutcome } from '../../src/cli/plugin/analyze-job.js';
import {
  allSuccessful,
  conditionText,
  isDryRun,
  renderVerdicts,
  verdictOf,
  type MetricVerdict,
} from '../../src/cli/plugin/analyze.js';
import { completionEntries, completionScript } from '../../src/cli/plugin/completion.js';
import { addGlobalOptions } from '../../src/cli/plugin/context.js';
import { registerControlCommands } from '../../src/cli/plugin/control-commands.js';
import { formatProblem, lintText } from '../../src/cli/plugin/lint.js';
import {
  containerNames,
  parseImageArg,
  selectRevision,
  templateMatches,
  withImage,
  withoutHashLabel,
} from '../../src/cli/plugin/pod-template.js';
import { nextStepIndex, promotePatches } from '../../src/cli/plugin/promote.js';
import {
  restartTime,
  retryTargets,
  selectorString,
} from '../../src/cli/plugin/rollout-commands.js';
import { fieldPath } from '../../src/cli/plugin/schema-check.js';

const steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }];

function canary(status: RolloutStatus = {}, paused?: boolean): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web' },
    spec: {
      ...(paused === undefined ? {} : { paused }),
      strategy: { canary: { steps } },
    },
    status,
  };
}

function blueGreen(status: RolloutStatus = {}, paused?: boolean): Rollout {
  return {
    ...canary(status, paused),
    spec: {
      ...(paused === undefined ? {} : { paused }),
      strategy: { blueGreen: { activeService: 'a' } },
    },
  };
}

const stepPause = [{ reason: 'CanaryPauseStep', startTime: '2025-01-01T00:00:00Z' }];
const inconclusivePause = [
  { reason: 'InconclusiveAnalysisRun', startTime: '2025-01-01T00:00:00Z' },
];

describe('promotePatches: Argo’s getPatches', () => {
  it.each<[string, Rollout, boolean, unknown]>([
    [
      'a canary paused at a pause step: clear the pause condition only (controllerPause stays)',
      canary({ currentStepIndex: 1, pauseConditions: stepPause, controllerPause: true }),
      false,
      { status: { status: { pauseConditions: null } } },
    ],
    [
      'spec.paused and a pause condition: status first, then spec',
      canary({ currentStepIndex: 1, pauseConditions: stepPause, controllerPause: true }, true),
      false,
      { status: { status: { pauseConditions: null } }, spec: { spec: { paused: false } } },
    ],
    [
      'spec.paused without a pause condition: unpause and skip the current step',
      canary({ currentStepIndex: 0 }, true),
      false,
      {
        status: { status: { pauseConditions: null, currentStepIndex: 1 } },
        spec: { spec: { paused: false } },
      },
    ],
    [
      'a canary not paused: skip the current step',
      canary({ currentStepIndex: 2 }),
      false,
      { status: { status: { pauseConditions: null, currentStepIndex: 3 } } },
    ],
    [
      'no currentStepIndex yet counts as step 0',
      canary({}),
      false,
      { status: { status: { pauseConditions: null, currentStepIndex: 1 } } },
    ],
    [
      'after the last step the index stays at the end',
      canary({ currentStepIndex: 4 }),
      false,
      { status: { status: { pauseConditions: null, currentStepIndex: 4 } } },
    ],
    [
      'a canary paused by an inconclusive step analysis: also controllerPause=false and the next step',
      canary({
        currentStepIndex: 2,
        pauseConditions: inconclusivePause,
        controllerPause: true,
        canary: { currentStepAnalysisRunStatus: { name: 'r', status: 'Inconclusive' } },
      }),
      false,
      {
        status: { status: { pauseConditions: null, controllerPause: false, currentStepIndex: 3 } },
      },
    ],
    [
      'an inconclusive analysis without controllerPause: just clear',
      canary({
        currentStepIndex: 2,
        pauseConditions: inconclusivePause,
        canary: { currentStepAnalysisRunStatus: { name: 'r', status: 'Inconclusive' } },
      }),
      false,
      { status: { status: { pauseConditions: null } } },
    ],
    [
      'a blue-green waiting for promotion: clear its pause condition',
      blueGreen({
        pauseConditions: [{ reason: 'BlueGreenPause', startTime: '2025-01-01T00:00:00Z' }],
      }),
      false,
      { status: { status: { pauseConditions: null } } },
    ],
    ['a blue-green not paused: nothing to send', blueGreen({}), false, {}],
    [
      'a blue-green paused by spec: unpause only',
      blueGreen({}, true),
      false,
      { spec: { spec: { paused: false } } },
    ],
    [
      '--full during an update: promoteFull',
      canary({ currentPodHash: 'new', stableRS: 'old', currentStepIndex: 1 }),
      true,
      { status: { status: { promoteFull: true } } },
    ],
    [
      '--full does not unpause spec.paused (nor does Argo’s)',
      canary({ currentPodHash: 'new', stableRS: 'old' }, true),
      true,
      { status: { status: { promoteFull: true } } },
    ],
    [
      '--full when already stable: nothing to send',
      canary({ currentPodHash: 'same', stableRS: 'same' }),
      true,
      {},
    ],
  ])('%s', (_what, rollout, full, expected) => {
    expect(promotePatches(rollout, full)).toEqual(expected);
  });

  it.each<[string, Rollout, number | undefined]>([
    ['step 1 of 4', canary({ currentStepIndex: 1 }), 2],
    ['past the end', canary({ currentStepIndex: 9 }), 9],
    ['blue-green', blueGreen(), undefined],
    ['a canary without steps', { ...canary(), spec: { strategy: { canary: {} } } }, undefined],
  ])('nextStepIndex: %s', (_what, rollout, expected) => {
    expect(nextStepIndex(rollout)).toBe(expected);
  });
});

describe('CONTAINER=IMAGE', () => {
  it.each<[string, unknown]>([
    ['app=nginx:1.27', { container: 'app', image: 'nginx:1.27' }],
    ['*=nginx:1.27', { container: '*', image: 'nginx:1.27' }],
    [
      'app=registry:5000/team/app@sha256:abc',
      { container: 'app', image: 'registry:5000/team/app@sha256:abc' },
    ],
    ['app', 'expected e.g. app=nginx:1.27'],
    ['app=', 'expected e.g. app=nginx:1.27'],
    ['=nginx', 'expected e.g. app=nginx:1.27'],
    ['a=b=c', 'expected e.g. app=nginx:1.27'],
    ['my app=nginx', 'names hold no spaces'],
  ])('%s', (arg, expected) => {
    const parsed = parseImageArg(arg);
    if (typeof expected === 'string') {
      expect(parsed).toHaveProperty('error');
      expect((parsed as { error: string }).error).toContain(expected);
      expect((parsed as { error: string }).error).toContain(JSON.stringify(arg));
    } else expect(parsed).toEqual(expected);
  });

  const rollout = {
    spec: {
      template: {
        spec: {
          initContainers: [{ name: 'init', image: 'init:1' }],
          containers: [
            { name: 'app', image: 'app:1' },
            { name: 'sidecar', image: 'side:1' },
          ],
        },
      },
    },
  };
  const images = (obj: typeof rollout) => [
    ...obj.spec.template.spec.initContainers.map((c) => c.image),
    ...obj.spec.template.spec.containers.map((c) => c.image),
  ];

  it.each<[string, string, boolean, string[]]>([
    ['one container', 'app', true, ['init:1', 'x:2', 'side:1']],
    ['an init container', 'init', true, ['x:2', 'app:1', 'side:1']],
    ['every container with *', '*', true, ['x:2', 'x:2', 'x:2']],
    ['an unknown container', 'nope', false, ['init:1', 'app:1', 'side:1']],
  ])('sets the image of %s, on a copy', (_what, container, found, expected) => {
    const result = withImage(rollout, { container, image: 'x:2' });
    expect(result.found).toBe(found);
    expect(images(result.obj)).toEqual(expected);
    expect(images(rollout)).toEqual(['init:1', 'app:1', 'side:1']);
  });

  it('names the containers for a "not found" message', () => {
    expect(containerNames(rollout)).toEqual(['init', 'app', 'sidecar']);
    expect(containerNames({})).toEqual([]);
  });
});

describe('undo: which revision', () => {
  const rs = (name: string, revision?: string) => ({
    metadata: {
      name,
      ...(revision === undefined
        ? {}
        : { annotations: { 'rollout.argoproj.io/revision': revision } }),
    },
    spec: {
      template: { metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': name } } },
    },
  });
  const history = [rs('a', '1'), rs('c', '3'), rs('b', '2')];

  it.each<[string, ReturnType<typeof rs>[], number, string]>([
    ['the previous revision by default', history, 0, 'b'],
    ['an explicit revision', history, 1, 'a'],
    ['the current revision when asked for', history, 3, 'c'],
    ['skipping a revision that is not a number', [rs('x', 'abc'), ...history], 0, 'b'],
    ['a ReplicaSet without the annotation counts as revision 0', [rs('z'), rs('y', '1')], 0, 'z'],
  ])('%s', (_what, replicaSets, toRevision, expected) => {
    const picked = selectRevision(replicaSets, toRevision);
    expect('rs' in picked && picked.rs.metadata.name).toBe(expected);
  });

  it.each<[string, ReturnType<typeof rs>[], number, string]>([
    ['an unknown revision', history, 7, 'unable to find specified revision 7 in history'],
    ['a single revision', [rs('a', '1')], 0, 'no previous revision'],
    ['no ReplicaSets', [], 0, 'no previous revision'],
  ])('%s is an error', (_what, replicaSets, toRevision, message) => {
    const picked = selectRevision(replicaSets, toRevision);
    expect('error' in picked && picked.error).toContain(message);
  });

  it('drops the controller’s hash label from the restored template, on a copy', () => {
    const original = rs('a', '1').spec.template;
    expect(withoutHashLabel(original)).toEqual({ metadata: { labels: { app: 'web' } } });
    expect(original.metadata.labels['rollouts-pod-template-hash']).toBe('a');
  });

  const template = (image: string, extra: Record<string, unknown> = {}) => ({
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'app', image, ...extra }] },
  });
  it.each<[string, unknown, unknown, boolean]>([
    ['the same template', template('a:1'), template('a:1'), true],
    [
      'the same template, the ReplicaSet’s with the hash label and defaults',
      template('a:1'),
      {
        ...template('a:1', { imagePullPolicy: 'IfNotPresent' }),
        metadata: { labels: { app: 'web', 'rollouts-pod-template-hash': 'h' } },
      },
      true,
    ],
    ['another image', template('a:1'), template('a:2'), false],
    ['another number of containers', template('a:1'), { spec: { containers: [] } }, false],
  ])('templateMatches: %s', (_what, current, previous, expected) => {
    expect(templateMatches(current, previous)).toBe(expected);
  });
});

describe('arguments and small helpers', () => {
  it.each<[string[], string[] | { error: string }]>([
    [['rollout', 'web'], ['web']],
    [
      ['ro', 'web', 'api'],
      ['web', 'api'],
    ],
    [['web'], ['web']],
    [['rollout'], ['rollout']],
    [['experiment', 'x'], { error: 'experiments are not supported by ramp' }],
  ])('retry %j', (args, expected) => {
    expect(retryTargets(args)).toEqual(expected);
  });

  it.each<[number, number, string]>([
    [Date.parse('2025-03-04T05:06:07.890Z'), 0, '2025-03-04T05:06:07Z'],
    [Date.parse('2025-03-04T05:06:07.890Z'), 30, '2025-03-04T05:06:37Z'],
    [Date.parse('2025-03-04T23:59:59.000Z'), 3600, '2025-03-05T00:59:59Z'],
  ])('restartTime(%d, %d) = %s', (now, seconds, expected) => {
    expect(restartTime(now, seconds)).toBe(expected);
  });

  it.each<[Rollout['spec']['selector'], string]>([
    [{ matchLabels: { app: 'web', tier: 'fe' } }, 'app=web,tier=fe'],
    [
      {
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'NotIn', values: ['c'] },
          { key: 'y', operator: 'Exists' },
          { key: 'z', operator: 'DoesNotExist' },
        ],
      },
      'env in (a,b),x notin (c),y,!z',
    ],
    [undefined, ''],
  ])('selectorString(%j) = %s', (selector, expected) => {
    expect(selectorString(selector)).toBe(expected);
  });

  it.each<[string[], unknown]>([
    [['app=web', 'query=a=b'], { app: 'web', query: 'a=b' }],
    [['app='], { app: '' }],
    [['app'], { error: 'argument "app" must be in the form NAME=VALUE' }],
    [['=web'], { error: 'argument "=web" must be in the form NAME=VALUE' }],
  ])('parseArgFlags(%j)', (flags, expected) => {
    expect(parseArgFlags(flags)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['/replicas', 'spec.replicas'],
    ['/strategy/canary/steps/0/setWeight', 'spec.strategy.canary.steps[0].setWeight'],
    ['/selector/matchLabels/a~1b', 'spec.selector.matchLabels.a/b'],
    ['', 'spec'],
  ])('fieldPath(%s) = %s', (pointer, expected) => {
    expect(fieldPath('spec', pointer)).toBe(expected);
  });
});

const metric = (name: string, extra: Partial<Metric> = {}): Metric => ({
  name,
  successCondition: 'result[0] >= 0.95',
  provider: { prometheus: { query: `up{app="{{args.app}}"}` } },
  ...extra,
});

const template = (
  name: string,
  spec: AnalysisTemplate['spec'],
  metadata: Partial<AnalysisTemplate['metadata']> = {},
): AnalysisTemplate => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name, ...metadata },
  spec,
});

describe('analysis runs from templates', () => {
  it.each<[string, Record<string, string>, unknown]>([
    [
      'a given value fills an arg without one',
      { app: 'web' },
      {
        ok: true,
        args: [
          { name: 'app', value: 'web' },
          { name: 'env', value: 'prod' },
        ],
      },
    ],
    [
      'a given value replaces a default',
      { app: 'web', env: 'dev' },
      {
        ok: true,
        args: [
          { name: 'app', value: 'web' },
          { name: 'env', value: 'dev' },
        ],
      },
    ],
    [
      'an arg left without a value',
      {},
      { ok: false, error: 'args.app was not resolved: give it a value with -a app=VALUE' },
    ],
    [
      'a name the template does not declare',
      { app: 'web', typo: '1' },
      { ok: false, error: 'the template has no arg "typo" (its args: app, env)' },
    ],
  ])('runArgs: %s', (_what, given, expected) => {
    expect(runArgs([{ name: 'app' }, { name: 'env', value: 'prod' }], given)).toEqual(expected);
  });

  it('runArgs: a secret arg is resolved by the controller, so it needs no value', () => {
    const secret = { name: 'key', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } };
    expect(runArgs([secret], {})).toEqual({ ok: true, args: [secret] });
  });

  it('gathers included templates first, each once, and refuses a metric defined twice', async () => {
    const base = template('base', { metrics: [metric('base')], args: [{ name: 'app' }] });
    const root = template('root', {
      templates: [{ templateName: 'base' }, { templateName: 'base' }],
      metrics: [metric('root')],
      dryRun: [{ metricName: 'root' }],
    });
    const lookups: string[] = [];
    const lookup = (name: string) => {
      lookups.push(name);
      return Promise.resolve(base);
    };
    const gathered = await gatherTemplate(root, lookup);
    expect(gathered.metrics.map((m) => m.name)).toEqual(['base', 'root']);
    expect(gathered.args).toEqual([{ name: 'app' }]);
    expect(gathered.dryRun).toEqual([{ metricName: 'root' }]);
    expect(lookups).toEqual(['base']);
    const twice = template('twice', {
      templates: [{ templateName: 'base' }],
      metrics: [metric('base')],
    });
    await expect(gatherTemplate(twice, lookup)).rejects.toThrow(
      'metric "base" is defined by more than one template',
    );
  });

  const gathered: GatheredTemplate = {
    metrics: [metric('rate')],
    args: [{ name: 'app' }],
    dryRun: [{ metricName: 'rate' }],
    measurementRetention: [],
  };

  it('builds Argo’s run: generateName TEMPLATE-, the template’s labels, args and dryRun', () => {
    const run = analysisRunFrom({
      template: template(
        'rate',
        {},
        {
          labels: { team: 'a' },
          annotations: { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        },
      ),
      gathered,
      args: [{ name: 'app', value: 'web' }],
      namespace: 'ns',
      instanceId: 'blue',
    });
    expect(run).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: {
        generateName: 'rate-',
        namespace: 'ns',
        labels: { team: 'a', 'argo-rollouts.argoproj.io/controller-instance-id': 'blue' },
        annotations: { note: 'x' },
      },
      spec: {
        metrics: [metric('rate')],
        args: [{ name: 'app', value: 'web' }],
        dryRun: [{ metricName: 'rate' }],
      },
    });
  });

  it.each<[string, { name?: string; generateName?: string }, unknown]>([
    ['--name', { name: 'run-1' }, { name: 'run-1', namespace: 'ns' }],
    ['--generate-name', { generateName: 'try-' }, { generateName: 'try-', namespace: 'ns' }],
  ])('names the run with %s', (_what, naming, metadata) => {
    const run = analysisRunFrom({
      template: template('rate', {}),
      gathered: { ...gathered, dryRun: [] },
      args: [],
      namespace: 'ns',
      ...naming,
    });
    expect(run.metadata).toEqual(metadata);
    expect(run.spec).toEqual({ metrics: [metric('rate')] });
  });

  it.each<[string, Partial<GatheredTemplate>, string[]]>([
    ['a valid template', {}, []],
    [
      'a condition that does not parse',
      { metrics: [metric('rate', { successCondition: 'result[0] >=' })] },
      ['spec.metrics[0]: metric "rate": successCondition'],
    ],
    [
      'two providers',
      {
        metrics: [
          metric('rate', { provider: { prometheus: { query: 'q' }, web: { url: 'http://x' } } }),
        ],
      },
      ['spec.metrics[0]: metric "rate": exactly one provider must be set'],
    ],
    [
      'an unsupported provider',
      { metrics: [metric('rate', { provider: { datadog: {} } })] },
      ['spec.metrics[0]: metric "rate": provider datadog is not supported by ramp yet'],
    ],
    [
      'an arg the template does not declare',
      { args: [] },
      ['spec.metrics[0]: metric "rate": no value for args.app'],
    ],
    [
      'a bad interval',
      { metrics: [metric('rate', { interval: 'soon' })] },
      ['spec.metrics[0]: metric "rate": interval'],
    ],
    [
      'a metric defined twice',
      { metrics: [metric('rate'), metric('rate')] },
      ['spec.metrics[1].name: metric "rate" is defined twice'],
    ],
    [
      'a dryRun rule that matches no metric',
      { dryRun: [{ metricName: 'latency' }] },
      ['spec.dryRun: metric name rule "latency" matches no metric'],
    ],
    [
      'a retention rule that is not a regular expression',
      { measurementRetention: [{ metricName: '(', limit: 3 }] },
      ['spec.measurementRetention: metric name rule "(" is not a regular expression'],
    ],
  ])('metricProblems: %s', (_what, change, expected) => {
    const all = { ...gathered, ...change };
    const problems = metricProblems(all, placeholderValues(all.args)).map(
      (p) => `${p.field}: ${p.message}`,
    );
    expect(problems).toHaveLength(expected.length);
    expected.forEach((text, i) => expect(problems[i]).toContain(text));
  });
});

describe('lint', () => {
  const rollout = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: web:1}]}
  strategy: {canary: {steps: [{setWeight: 20}, {pause: {}}]}}
`;

  it.each<[string, string, string[]]>([
    [
      'a valid Rollout and a Service',
      `${rollout}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n`,
      [],
    ],
    [
      'a controller rule (validateRolloutSpec)',
      rollout.replace('setWeight: 20', 'setWeight: 120'),
      [
        'f.yaml:1: Rollout/web: spec.strategy.canary.steps[0].setWeight: SetWeight needs to be between 0 and 100',
      ],
    ],
    [
      'a type error and an unknown field',
      rollout.replace('spec:\n  selector', 'spec:\n  replicas: three\n  stratgy: {}\n  selector'),
      [
        'f.yaml:1: Rollout/web: spec.stratgy: unknown field (the API server would drop it)',
        'f.yaml:1: Rollout/web: spec.replicas: expected integer, got "three"',
      ],
    ],
    [
      'an int-or-string of the wrong type and a bad enum value',
      rollout
        .replace('{canary: {', '{canary: {maxSurge: true, ')
        .replace('spec:\n  selector', 'spec:\n  workloadRef: {scaleDown: sometimes}\n  selector'),
      [
        'f.yaml:1: Rollout/web: spec.workloadRef.scaleDown: must be one of never, onsuccess, progressively, got "sometimes"',
        'f.yaml:1: Rollout/web: spec.strategy.canary.maxSurge: must be an integer or a string, got true',
      ],
    ],
    [
      'a Rollout without a name, apiVersion or spec',
      'kind: Rollout\n',
      [
        'f.yaml:1: Rollout/<unnamed>: apiVersion: must be argoproj.io/v1alpha1',
        'f.yaml:1: Rollout/<unnamed>: metadata.name: required field is missing',
        'f.yaml:1: Rollout/<unnamed>: spec: required field is missing',
      ],
    ],
    [
      'a template in the second document',
      `${rollout}---
apiVersion: argoproj.io/v1alpha1
kind: ClusterAnalysisTemplate
metadata: {name: rate}
spec:
  metrics:
  - name: rate
    successCondition: 'result >'
    provider: {prometheus: {query: up}}
`,
      [
        'f.yaml:2: ClusterAnalysisTemplate/rate: spec.metrics[0]: metric "rate": successCondition "result >"',
      ],
    ],
    [
      'a template missing a provider',
      'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec: {metrics: [{name: m}]}\n',
      ['f.yaml:1: AnalysisTemplate/t: spec.metrics[0].provider: required field is missing'],
    ],
    ['YAML that does not parse', 'a: [1, 2\n', ['f.yaml:1: yaml: document: Flow sequence']],
    [
      'a kind of another group',
      'apiVersion: example.com/v1\nkind: Rollout\nmetadata: {name: x}\n',
      [],
    ],
  ])('%s', (_what, source, expected) => {
    const lines = lintText('f.yaml', source).map(formatProblem);
    expect(lines).toHaveLength(expected.length);
    expected.forEach((text, i) => expect(lines[i]).toContain(text));
  });
});

describe('analyze', () => {
  const conditions = (m: Metric) => {
    const parsed = parseConditions(m);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.conditions;
  };
  const both = metric('rate', { failureCondition: 'result[0] < 0.5' });

  it.each<[string, Metric, Parameters<typeof verdictOf>[2], Partial<MetricVerdict>]>([
    [
      'a value that meets the success condition',
      metric('rate'),
      { kind: 'value', value: [0.99], display: '[0.99]' },
      { value: '[0.99]', verdict: 'Successful' },
    ],
    [
      'a value that misses it',
      metric('rate'),
      { kind: 'value', value: [0.5], display: '[0.5]' },
      { value: '[0.5]', verdict: 'Failed' },
    ],
    [
      'neither condition holding',
      both,
      { kind: 'value', value: [0.7], display: '[0.7]' },
      { verdict: 'Inconclusive' },
    ],
    [
      'no data',
      metric('rate'),
      { kind: 'value', value: [], display: '[]', empty: true },
      { verdict: 'Inconclusive' },
    ],
    [
      'a provider error',
      metric('rate'),
      { kind: 'error', message: 'connection refused' },
      { value: '-', verdict: 'Error', message: 'connection refused' },
    ],
  ])('judges %s as a run would', (_what, m, outcome, expected) => {
    expect(verdictOf(m, conditions(m), outcome, false)).toMatchObject({
      metric: 'rate',
      ...expected,
    });
  });

  it.each<[Partial<Metric>, string]>([
    [{}, 'success: result[0] >= 0.95'],
    [
      { failureCondition: 'result[0] < 0.5' },
      'success: result[0] >= 0.95; failure: result[0] < 0.5',
    ],
    [{ successCondition: '' }, '-'],
  ])('conditionText(%j)', (extra, expected) => {
    expect(conditionText({ ...metric('m'), ...extra })).toBe(expected);
  });

  const v = (verdict: string, extra: Partial<MetricVerdict> = {}): MetricVerdict => ({
    metric: 'm',
    value: '1',
    verdict,
    condition: '-',
    dryRun: false,
    ...extra,
  });
  it.each<[string, MetricVerdict[], boolean]>([
    ['all Successful', [v('Successful'), v('Successful')], true],
    ['one Failed', [v('Successful'), v('Failed')], false],
    ['Inconclusive', [v('Inconclusive')], false],
    [
      'a failing dry-run metric does not count',
      [v('Successful'), v('Failed', { dryRun: true })],
      true,
    ],
    ['a skipped job metric does not count', [v('Successful'), v('Skipped')], true],
  ])('exit code: %s → success %s', (_what, verdicts, expected) => {
    expect(allSuccessful(verdicts)).toBe(expected);
  });

  it('prints a table with messages under their metric', () => {
    expect(
      renderVerdicts([
        v('Successful', { metric: 'success-rate', value: '[0.99]', condition: 'success: x' }),
        v('Error', { metric: 'latency', value: '-', message: 'timeout', dryRun: true }),
      ]),
    ).toBe(
      [
        'METRIC        VALUE   VERDICT          CONDITION',
        'success-rate  [0.99]  Successful       success: x',
        'latency       -       Error (dry run)  -',
        '  latency: timeout',
        '',
      ].join('\n'),
    );
  });

  it.each<[string, boolean]>([
    ['rate', true],
    ['latency', false],
  ])('isDryRun(%s) by regex rules', (name, expected) => {
    expect(isDryRun(name, [{ metricName: '^ra' }, { metricName: '(' }])).toBe(expected);
  });

  it('names analyze Jobs within 63 characters', () => {
    expect(analyzeJobName('Smoke Test', 'abc123')).toBe('analyze-smoke-test-abc123');
    const long = analyzeJobName('x'.repeat(100), 'abc123');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long.endsWith('-abc123')).toBe(true);
  });

  it.each<[string, unknown, unknown]>([
    ['running', {}, undefined],
    [
      'complete',
      { conditions: [{ type: 'Complete', status: 'True' }] },
      { kind: 'phase', phase: 'Successful' },
    ],
    [
      'failed',
      { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
      { kind: 'phase', phase: 'Failed', message: 'BackoffLimitExceeded' },
    ],
  ])('jobOutcome: %s', (_what, status, expected) => {
    expect(jobOutcome({ status } as never)).toEqual(expected);
  });
});

describe('completion', () => {
  const program = () => {
    const p = addGlobalOptions(new Command('kubectl-ramp'));
    registerControlCommands(p);
    return p;
  };

  it('lists every command path with its subcommands and flags', () => {
    const entries = new Map(completionEntries(program()).map((e) => [e.path, e]));
    const words = (path: string) => {
      const e = entries.get(path);
      return [...(e?.subcommands.map((s) => s.name) ?? []), ...(e?.flags.map((f) => f.flag) ?? [])];
    };
    expect(words('')).toEqual(
      expect.arrayContaining([
        'promote',
        'abort',
        'retry',
        'set',
        'undo',
        'lint',
        'completion',
        '-n',
        '--namespace',
        'help',
      ]),
    );
    expect(words('promote')).toEqual(expect.arrayContaining(['--full', '--kubeconfig', '-n']));
    expect(words('set')).toEqual(expect.arrayContaining(['image']));
    expect(words('create ar')).toEqual(expect.arrayContaining(['--from', '-a', '--argument']));
    expect(words('create analysisrun')).not.toContain('--global');
    expect(words('restart')).toEqual(expect.arrayContaining(['-i', '--in']));
  });

  it.each<['bash' | 'zsh' | 'fish', string[]]>([
    [
      'bash',
      [
        'complete -F _kubectl_ramp kubectl-ramp',
        '"set image") echo "--kubeconfig --context --namespace -n --all-namespaces -A --help" ;;',
        '"promote") echo "--full --kubeconfig',
      ],
    ],
    [
      'zsh',
      [
        '#compdef kubectl-ramp',
        'autoload -U +X bashcompinit && bashcompinit',
        'complete -F _kubectl_ramp kubectl-ramp',
      ],
    ],
    [
      'fish',
      [
        'complete -c kubectl-ramp -f -n \'__kubectl_ramp_at ""\' -a promote -d',
        "complete -c kubectl-ramp -n '__kubectl_ramp_at \"promote\"' -l full -d 'skip the remaining steps, pauses and analysis'",
        'complete -c kubectl-ramp -f -n \'__kubectl_ramp_at "set"\' -a image',
        "set -g __kubectl_ramp_paths 'promote'",
      ],
    ],
  ])('%s script', (shell, expected) => {
    const script = completionScript(shell, program());
    for (const text of expected) expect(script).toContain(text);
  });
});
