import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import type { RolloutSpec } from '../../src/api/rollout.js';
import { invalidSpecMessage, validateRolloutSpec } from '../../src/decide/validate-rollout.js';
import { packageRoot } from '../../src/version.js';

const base = (): RolloutSpec => ({
  replicas: 3,
  selector: { matchLabels: { app: 'web' } },
  template: {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'web:1' }] },
  },
  strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
});

const withCanary = (canary: Record<string, unknown>): RolloutSpec => ({
  ...base(),
  strategy: { canary: { ...base().strategy!.canary, ...canary } },
});
const routed = {
  canaryService: 'web-canary',
  stableService: 'web-stable',
  trafficRouting: { nginx: { stableIngress: 'web' } },
};
const istio = (extra: Record<string, unknown> = {}) => ({
  canaryService: 'c',
  stableService: 's',
  trafficRouting: {
    istio: { virtualService: { name: 'vs' } },
    managedRoutes: [{ name: 'r1' }],
    ...extra,
  },
});

describe('validateRolloutSpec', () => {
  it('accepts a plain canary', () => {
    expect(validateRolloutSpec(base())).toEqual([]);
  });

  it.each<[string, RolloutSpec, string, string]>([
    [
      'two keys in one step',
      withCanary({ steps: [{ setWeight: 10, pause: {} }] }),
      'spec.strategy.canary.steps[0]',
      'found setWeight, pause',
    ],
    [
      'an empty step',
      withCanary({ steps: [{}] }),
      'spec.strategy.canary.steps[0]',
      'Step must have one of the following set',
    ],
    [
      'a weight above 100',
      withCanary({ steps: [{ setWeight: 101 }] }),
      'spec.strategy.canary.steps[0].setWeight',
      'between 0 and 100',
    ],
    [
      'a negative weight',
      withCanary({ steps: [{ setWeight: -1 }] }),
      'spec.strategy.canary.steps[0].setWeight',
      'between 0 and 100',
    ],
    [
      'a weight above maxTrafficWeight',
      withCanary({
        ...routed,
        trafficRouting: { ...routed.trafficRouting, maxTrafficWeight: 50 },
        steps: [{ setWeight: 60 }],
      }),
      'spec.strategy.canary.steps[0].setWeight',
      'between 0 and 50',
    ],
    [
      'an unreadable pause',
      withCanary({ steps: [{ pause: { duration: 'soon' } }] }),
      'spec.strategy.canary.steps[0].pause.duration',
      'Duration needs to be greater than 0',
    ],
    [
      'a negative pause',
      withCanary({ steps: [{ pause: { duration: '-5s' } }] }),
      'spec.strategy.canary.steps[0].pause.duration',
      'Duration needs to be greater than 0',
    ],
    [
      'routing without a canaryService',
      withCanary({ stableService: 's', trafficRouting: { nginx: { stableIngress: 'i' } } }),
      'spec.strategy.canary.canaryService',
      'Canary service and Stable service',
    ],
    [
      'the same canary and stable service',
      withCanary({ ...routed, stableService: 'web-canary' }),
      'spec.strategy.canary.stableService',
      'same service',
    ],
    [
      'maxSurge and maxUnavailable both 0',
      withCanary({ maxSurge: 0, maxUnavailable: '0%' }),
      'spec.strategy.canary.maxSurge',
      'both can not be zero',
    ],
    [
      'a malformed maxSurge',
      withCanary({ maxSurge: 'lots' }),
      'spec.strategy.canary.maxSurge',
      'percentage',
    ],
    [
      'scaleDownDelaySeconds without routing',
      withCanary({ scaleDownDelaySeconds: 30 }),
      'spec.strategy.canary.scaleDownDelaySeconds',
      'only be used with traffic routing',
    ],
    [
      'setCanaryScale without routing',
      withCanary({ steps: [{ setCanaryScale: { weight: 10 } }] }),
      'spec.strategy.canary.trafficRouting',
      'SetCanaryScale requires TrafficRouting',
    ],
    [
      'a header route without managedRoutes',
      withCanary({
        ...istio(),
        trafficRouting: { istio: { virtualService: { name: 'vs' } } },
        steps: [{ setHeaderRoute: { name: 'r1' } }],
      }),
      'spec.strategy.canary.trafficRouting.managedRoutes',
      'missing field',
    ],
    [
      'a header route not in managedRoutes',
      withCanary({ ...istio(), steps: [{ setHeaderRoute: { name: 'other' } }] }),
      'spec.strategy.canary.steps[0].setHeaderRoute',
      'does not exist in',
    ],
    [
      'a header match with two matchers',
      withCanary({
        ...istio(),
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
      'exactly one of',
    ],
    [
      'a mirror route through nginx',
      withCanary({ ...routed, steps: [{ setMirrorRoute: { name: 'm' } }] }),
      'spec.strategy.canary.steps[0].setMirrorRoute',
      'SetMirrorRoute requires TrafficRouting',
    ],
    [
      'an experiment step',
      withCanary({ steps: [{ experiment: { templates: [] } }] }),
      'spec.strategy.canary.steps[0].experiment',
      'not supported by ramp yet',
    ],
    [
      'the ALB router',
      withCanary({
        canaryService: 'c',
        stableService: 's',
        trafficRouting: { alb: { ingress: 'i' } },
      }),
      'spec.strategy.canary.trafficRouting.alb',
      'not supported by ramp yet',
    ],
    [
      'an unknown router plugin',
      withCanary({
        canaryService: 'c',
        stableService: 's',
        trafficRouting: { plugins: { 'acme/router': {} } },
      }),
      'spec.strategy.canary.trafficRouting.plugins',
      'acme/router is not supported',
    ],
    [
      'both anti-affinity kinds',
      withCanary({
        antiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: { weight: 1 },
          requiredDuringSchedulingIgnoredDuringExecution: {},
        },
      }),
      'spec.strategy.canary.antiAffinity',
      'exactly one strategy',
    ],
    [
      'no selector',
      { ...base(), selector: undefined } as unknown as RolloutSpec,
      'spec.selector',
      "missing field '.spec.selector'",
    ],
    ['an empty selector', { ...base(), selector: {} }, 'spec.selector', 'selecting all pods'],
    [
      'labels that do not match the selector',
      { ...base(), selector: { matchLabels: { app: 'api' } } },
      'spec.template.metadata.labels',
      'does not match',
    ],
    [
      'no containers',
      { ...base(), template: { metadata: { labels: { app: 'web' } }, spec: {} } },
      'spec.template.spec.containers',
      'missing field',
    ],
    [
      'a template next to workloadRef',
      { ...base(), workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' } },
      'spec.template',
      'must be empty',
    ],
    [
      'no strategy',
      { ...base(), strategy: {} },
      'spec.strategy',
      '.spec.strategy.canary or .spec.strategy.blueGreen',
    ],
    [
      'two strategies',
      { ...base(), strategy: { canary: {}, blueGreen: { activeService: 'a' } } },
      'spec.strategy',
      'Multiple Strategies',
    ],
    [
      'a deadline not after minReadySeconds',
      { ...base(), minReadySeconds: 700 },
      'spec.progressDeadlineSeconds',
      'greater than minReadySeconds',
    ],
    [
      'negative replicas',
      { ...base(), replicas: -1 },
      'spec.replicas',
      'greater than or equal to 0',
    ],
    [
      'blue-green with one service for both',
      { ...base(), strategy: { blueGreen: { activeService: 'a', previewService: 'a' } } },
      'spec.strategy.blueGreen.activeService',
      'same service',
    ],
  ])('reports %s', (_what, spec, field, message) => {
    const errors = validateRolloutSpec(spec);
    expect(errors.map((e) => e.field)).toContain(field);
    expect(errors.find((e) => e.field === field)?.message).toContain(message);
  });

  it('accepts route steps through Istio with managed routes and the Gateway API plugin', () => {
    expect(
      validateRolloutSpec(
        withCanary({
          ...istio(),
          steps: [
            {
              setHeaderRoute: {
                name: 'r1',
                match: [{ headerName: 'x', headerValue: { exact: 'y' } }],
              },
            },
          ],
        }),
      ),
    ).toEqual([]);
    const gateway = {
      canaryService: 'c',
      stableService: 's',
      trafficRouting: {
        plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'r' } },
        managedRoutes: [{ name: 'm' }],
      },
    };
    expect(
      validateRolloutSpec(
        withCanary({ ...gateway, steps: [{ setMirrorRoute: { name: 'm', percentage: 10 } }] }),
      ),
    ).toEqual([]);
  });

  it('writes one condition message naming the rollout and every problem', () => {
    const errors = validateRolloutSpec(
      withCanary({ steps: [{ setWeight: 10, pause: {} }, { setWeight: 300 }] }),
    );
    expect(invalidSpecMessage('web', errors)).toBe(
      'The Rollout "web" is invalid: spec.strategy.canary.steps[0]: Step must have exactly one of its actions set, found setWeight, pause: give each its own step; spec.strategy.canary.steps[1].setWeight: SetWeight needs to be between 0 and 100',
    );
  });
});

describe('the Argo-format fixtures', () => {
  const fixtures = join(packageRoot, 'test', 'fixtures', 'rollouts');
  it.each([
    ['basic-canary.yaml', []],
    ['nginx-canary.yaml', []],
    ['istio-host.yaml', []],
    ['istio-subset.yaml', []],
    ['smi-nginx.yaml', []],
    ['traefik.yaml', []],
    ['gateway-api.yaml', []],
    ['analysis.yaml', []],
    ['workload-ref.yaml', []],
    ['metadata-affinity.yaml', []],
    ['blue-green.yaml', []],
    ['smi-experiment.yaml', ['spec.strategy.canary.steps[1].experiment']],
    [
      'alb-pingpong.yaml',
      ['spec.strategy.canary.trafficRouting.alb', 'spec.strategy.canary.pingPong'],
    ],
  ])('%s: %j', (file, fields) => {
    const spec = (parse(readFileSync(join(fixtures, file), 'utf8')) as { spec: RolloutSpec }).spec;
    expect(validateRolloutSpec(spec).map((e) => e.field)).toEqual(fields);
  });
});
