import { describe, expect, it } from 'vitest';

import {
  isKubectlManager,
  kubectlManagers,
  takeOverFields,
  unionFields,
  type ManagedFieldsEntry,
} from '../../src/decide/gitops/managed-fields.js';

const rampApply: ManagedFieldsEntry = {
  manager: 'ramp',
  operation: 'Apply',
  apiVersion: 'apps/v1',
  time: '2025-01-01T00:00:00Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': {
        'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {} } } },
      },
    },
  },
};
const kubectlEdit: ManagedFieldsEntry = {
  manager: 'kubectl-edit',
  operation: 'Update',
  apiVersion: 'apps/v1',
  time: '2025-01-02T00:00:00Z',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': { 'f:labels': { 'f:edited': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:env': {} } } } },
    },
  },
};
const controller: ManagedFieldsEntry = {
  manager: 'kube-controller-manager',
  operation: 'Update',
  apiVersion: 'apps/v1',
  subresource: 'status',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:status': { 'f:replicas': {} } },
};

describe('isKubectlManager', () => {
  it.each([
    ['kubectl', true],
    ['kubectl-edit', true],
    ['kubectl-client-side-apply', true],
    ['kubectl-patch', true],
    ['kubectl-scale', true],
    ['kubectl-set', true],
    ['kubectl-label', true],
    ['kubectl-annotate', true],
    ['before-first-apply', true],
    ['ramp', false],
    ['kube-controller-manager', false],
    ['kubectlish', false],
    [undefined, false],
  ])('%s -> %s', (manager, expected) => {
    expect(isKubectlManager(manager)).toBe(expected);
  });
});

describe('takeOverFields', () => {
  it("merges a kubectl-edit entry into ramp's Apply entry and removes it", () => {
    const out = takeOverFields([rampApply, kubectlEdit, controller]);
    expect(out).toEqual([
      {
        ...rampApply,
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {}, 'f:edited': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:template': {
              'f:spec': {
                'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:env': {} } },
              },
            },
          },
        },
      },
      controller,
    ]);
  });

  it("creates ramp's Apply entry when ramp never applied the object", () => {
    const csa: ManagedFieldsEntry = { ...kubectlEdit, manager: 'kubectl-client-side-apply' };
    const scale: ManagedFieldsEntry = {
      manager: 'kubectl-scale',
      operation: 'Update',
      apiVersion: 'apps/v1',
      subresource: 'scale',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    };
    expect(takeOverFields([controller, csa, scale])).toEqual([
      controller,
      {
        manager: 'ramp',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: unionFields(csa.fieldsV1!, scale.fieldsV1!),
      },
    ]);
  });

  it.each<[string, ManagedFieldsEntry[]]>([
    ['only ramp and controllers', [rampApply, controller]],
    ['no entries', []],
    [
      'a kubectl entry of another apiVersion',
      [rampApply, { ...kubectlEdit, apiVersion: 'apps/v1beta2' }],
    ],
    [
      'a kubectl entry of the status subresource',
      [rampApply, { ...kubectlEdit, subresource: 'status' }],
    ],
  ])('has nothing to do with %s', (_what, entries) => {
    expect(takeOverFields(entries)).toBeUndefined();
  });

  it('honours another manager name', () => {
    const mine = { ...rampApply, manager: 'other' };
    expect(takeOverFields([mine, kubectlEdit], 'other')?.map((e) => e.manager)).toEqual(['other']);
  });
});

describe('kubectlManagers', () => {
  it('names each kubectl manager once', () => {
    expect(
      kubectlManagers([
        rampApply,
        kubectlEdit,
        { ...kubectlEdit, manager: 'kubectl-label' },
        kubectlEdit,
        controller,
      ]),
    ).toEqual(['kubectl-edit', 'kubectl-label']);
  });
});
