import { describe, expect, it } from 'vitest';

import {
  SkipMessage,
  applyStages,
  crdEstablished,
  crdServes,
  definedInBatch,
  duplicateObjects,
  namespacePhase,
  placeObject,
  skipReason,
} from '../../src/decide/gitops/apply-order.js';
import type { ManifestObject } from '../../src/decide/gitops/objects.js';

const obj = (kind: string, name: string, extra: Partial<ManifestObject> = {}): ManifestObject => ({
  apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  metadata: { name },
  ...extra,
});
const crd = (name: string): ManifestObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name },
  spec: {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets' },
    versions: [
      { name: 'v1', served: true },
      { name: 'v1beta1', served: false },
      { name: 'v2', served: true },
    ],
  },
});
const names = (objects: ManifestObject[]): string[] =>
  objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe('applyStages', () => {
  it('puts CRDs, then Namespaces, first and orders the rest by kind, stably', () => {
    const widget: ManifestObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
    };
    const input = [
      obj('Deployment', 'web'),
      {
        ...obj('ValidatingWebhookConfiguration', 'hook'),
        apiVersion: 'admissionregistration.k8s.io/v1',
      },
      widget,
      obj('Service', 'web'),
      obj('Namespace', 'apps'),
      obj('ConfigMap', 'b'),
      crd('widgets.example.com'),
      obj('ConfigMap', 'a'),
      obj('ServiceAccount', 'runner'),
      { ...obj('RoleBinding', 'rb'), apiVersion: 'rbac.authorization.k8s.io/v1' },
      obj('Deployment', 'api'),
      obj('Secret', 's'),
    ];
    const { first, rest } = applyStages(input);
    expect(names(first)).toEqual([
      'CustomResourceDefinition/widgets.example.com',
      'Namespace/apps',
    ]);
    expect(names(rest)).toEqual([
      'ServiceAccount/runner',
      'Secret/s',
      'ConfigMap/b',
      'ConfigMap/a',
      'RoleBinding/rb',
      'Service/web',
      'Deployment/web',
      'Deployment/api',
      'Widget/w',
      'ValidatingWebhookConfiguration/hook',
    ]);
  });

  it('does not treat look-alike kinds of other groups as first-stage objects', () => {
    const fake = { ...obj('Namespace', 'n'), apiVersion: 'example.com/v1' };
    expect(applyStages([fake]).first).toEqual([]);
  });
});

describe('duplicateObjects', () => {
  it.each<[string, ManifestObject[], { default: string; override?: string } | undefined, string[]]>(
    [
      [
        'no duplicates',
        [obj('ConfigMap', 'a'), obj('ConfigMap', 'b'), obj('Secret', 'a')],
        undefined,
        [],
      ],
      [
        'the same object twice',
        [obj('ConfigMap', 'a'), obj('ConfigMap', 'a')],
        undefined,
        ['ConfigMap/a is rendered 2 times; each object may appear only once'],
      ],
      [
        'one object in the default namespace and one without',
        [obj('ConfigMap', 'a', { metadata: { name: 'a', namespace: 'd' } }), obj('ConfigMap', 'a')],
        { default: 'd' },
        ['ConfigMap/d/a is rendered 2 times; each object may appear only once'],
      ],
      [
        'objects of two namespaces moved into one',
        [
          obj('ConfigMap', 'a', { metadata: { name: 'a', namespace: 'x' } }),
          obj('ConfigMap', 'a', { metadata: { name: 'a', namespace: 'y' } }),
        ],
        { default: 'd', override: 'o' },
        ['ConfigMap/x/a is rendered 2 times; each object may appear only once'],
      ],
      [
        'two apiVersions of one object',
        [
          obj('Deployment', 'w'),
          { ...obj('Deployment', 'w'), apiVersion: 'apps/v1beta2' },
          obj('Deployment', 'w'),
        ],
        undefined,
        ['Deployment/w is rendered 3 times; each object may appear only once'],
      ],
    ],
  )('%s', (_what, objects, namespace, messages) => {
    expect(duplicateObjects(objects, namespace).map((d) => d.message)).toEqual(messages);
  });

  it('gives the positions of every copy', () => {
    const objects = [obj('ConfigMap', 'a'), obj('Secret', 'a'), obj('ConfigMap', 'a')];
    expect(duplicateObjects(objects)[0]?.indexes).toEqual([0, 2]);
  });
});

describe('placeObject', () => {
  const labels = { 'gitsync.ramp.dev/name': 'sync', 'gitsync.ramp.dev/namespace': 'ops' };
  it.each<
    [string, ManifestObject, boolean, { default: string; override?: string }, string | undefined]
  >([
    ['defaults a namespaced object', obj('ConfigMap', 'a'), true, { default: 'd' }, 'd'],
    [
      'keeps a given namespace',
      obj('ConfigMap', 'a', { metadata: { name: 'a', namespace: 'x' } }),
      true,
      { default: 'd' },
      'x',
    ],
    [
      'overrides a given namespace',
      obj('ConfigMap', 'a', { metadata: { name: 'a', namespace: 'x' } }),
      true,
      { default: 'd', override: 'o' },
      'o',
    ],
    [
      'overrides a missing namespace',
      obj('ConfigMap', 'a'),
      true,
      { default: 'd', override: 'o' },
      'o',
    ],
    [
      'strips a cluster-scoped object',
      obj('Namespace', 'n', { metadata: { name: 'n', namespace: 'x' } }),
      false,
      { default: 'd', override: 'o' },
      undefined,
    ],
  ])('%s', (_what, input, namespaced, namespace, expected) => {
    const placed = placeObject(input, { namespaced, labels, namespace });
    expect(placed.metadata.namespace).toBe(expected);
    expect('namespace' in placed.metadata).toBe(expected !== undefined);
  });

  it("adds the ownership labels over the manifest's and leaves the input untouched", () => {
    const input = obj('ConfigMap', 'a', {
      metadata: { name: 'a', labels: { app: 'a', 'gitsync.ramp.dev/name': 'forged' } },
      data: { k: 'v' },
    });
    const placed = placeObject(input, { namespaced: true, labels, namespace: { default: 'd' } });
    expect(placed).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'd', labels: { app: 'a', ...labels } },
      data: { k: 'v' },
    });
    expect(input.metadata).toEqual({
      name: 'a',
      labels: { app: 'a', 'gitsync.ramp.dev/name': 'forged' },
    });
  });
});

describe('skipReason', () => {
  const annotated = (annotations: Record<string, string>): ManifestObject =>
    obj('ConfigMap', 'a', { metadata: { name: 'a', annotations } });
  const exists = { metadata: {} };
  it.each<
    [
      string,
      ManifestObject,
      { metadata?: { annotations?: Record<string, string> } } | undefined,
      string | undefined,
    ]
  >([
    ['a plain object', obj('ConfigMap', 'a'), exists, undefined],
    [
      'reconcile disabled in Git',
      annotated({ 'ramp.dev/reconcile': 'disabled' }),
      exists,
      SkipMessage.reconcileDisabled,
    ],
    [
      'reconcile disabled in Git, missing live',
      annotated({ 'ramp.dev/reconcile': 'disabled' }),
      undefined,
      SkipMessage.reconcileDisabled,
    ],
    [
      'reconcile disabled on the live object',
      obj('ConfigMap', 'a'),
      { metadata: { annotations: { 'ramp.dev/reconcile': 'disabled' } } },
      SkipMessage.reconcileDisabled,
    ],
    ['another reconcile value', annotated({ 'ramp.dev/reconcile': 'enabled' }), exists, undefined],
    [
      'create-only and present',
      annotated({ 'ramp.dev/ssa': 'IfNotPresent' }),
      exists,
      SkipMessage.createOnly,
    ],
    [
      'create-only and missing',
      annotated({ 'ramp.dev/ssa': 'IfNotPresent' }),
      undefined,
      undefined,
    ],
  ])('%s', (_what, manifest, live, expected) => {
    expect(skipReason(manifest, live)).toBe(expected);
  });
});

describe('CRDs', () => {
  it('lists the served versions and the kind', () => {
    expect(crdServes(crd('widgets.example.com'))).toEqual({
      apiVersions: ['example.com/v1', 'example.com/v2'],
      kind: 'Widget',
    });
  });

  it.each([
    ['example.com/v1', 'Widget', true],
    ['example.com/v1beta1', 'Widget', false],
    ['example.com/v1', 'Gadget', false],
    ['other.com/v1', 'Widget', false],
  ])('%s %s is defined in the batch: %s', (apiVersion, kind, expected) => {
    expect(
      definedInBatch([obj('ConfigMap', 'a'), crd('widgets.example.com')], { apiVersion, kind }),
    ).toBe(expected);
  });

  it.each<
    [string, Record<string, unknown> | undefined, { established: boolean; message?: string }]
  >([
    ['missing', undefined, { established: false }],
    ['without status', {}, { established: false }],
    [
      'Established',
      {
        status: {
          conditions: [
            { type: 'NamesAccepted', status: 'True' },
            { type: 'Established', status: 'True' },
          ],
        },
      },
      { established: true },
    ],
    [
      'names refused',
      {
        status: {
          conditions: [
            { type: 'NamesAccepted', status: 'False', message: '"widgets" is already in use' },
            { type: 'Established', status: 'False' },
          ],
        },
      },
      { established: false, message: '"widgets" is already in use' },
    ],
  ])('a CRD %s', (_what, live, expected) => {
    expect(crdEstablished(live)).toEqual(expected);
  });
});

describe('namespacePhase', () => {
  it.each([
    [undefined, ''],
    [{}, ''],
    [{ status: { phase: 'Active' } }, 'Active'],
    [{ status: { phase: 'Terminating' } }, 'Terminating'],
  ])('%j -> %j', (live, phase) => {
    expect(namespacePhase(live)).toBe(phase);
  });
});
