import { describe, expect, it } from 'vitest';

import { differs, driftedFields } from '../../src/decide/gitops/drift.js';

const live = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'x',
    labels: { app: 'web' },
    annotations: { note: 'a' },
    uid: 'u-1',
    resourceVersion: '10',
    generation: 2,
    creationTimestamp: '2025-01-01T00:00:00Z',
    managedFields: [{ manager: 'ramp', operation: 'Apply' }],
  },
  spec: {
    replicas: 2,
    template: {
      spec: { containers: [{ name: 'app', image: 'web:1', env: [{ name: 'A', value: '1' }] }] },
    },
  },
  status: { replicas: 2, readyReplicas: 2 },
};

type Live = typeof live;
const edit = (fn: (o: Live) => void): Live => {
  const copy = structuredClone(live);
  fn(copy);
  return copy;
};

describe('differs', () => {
  it.each<[string, Live]>([
    ['resourceVersion', edit((o) => (o.metadata.resourceVersion = '11'))],
    ['generation', edit((o) => (o.metadata.generation = 3))],
    ['uid', edit((o) => (o.metadata.uid = 'u-2'))],
    ['creationTimestamp', edit((o) => (o.metadata.creationTimestamp = '2026-01-01T00:00:00Z'))],
    ['managedFields', edit((o) => (o.metadata.managedFields = []))],
    ['status', edit((o) => (o.status.readyReplicas = 0))],
    [
      'key order',
      {
        status: live.status,
        spec: live.spec,
        metadata: live.metadata,
        kind: live.kind,
        apiVersion: live.apiVersion,
      },
    ],
  ])('ignores %s', (_what, dryRun) => {
    expect(differs(live, dryRun)).toBe(false);
  });

  it.each<[string, Live | Record<string, unknown>, string[]]>([
    ['a replica count', edit((o) => (o.spec.replicas = 3)), ['spec.replicas']],
    [
      'a nested image',
      edit((o) => (o.spec.template.spec.containers[0]!.image = 'web:2')),
      ['spec.template'],
    ],
    [
      'an env entry',
      edit((o) => o.spec.template.spec.containers[0]!.env.push({ name: 'B', value: '2' })),
      ['spec.template'],
    ],
    ['a label', edit((o) => Object.assign(o.metadata.labels, { extra: 'x' })), ['metadata.labels']],
    [
      'an annotation',
      edit((o) => delete (o.metadata as { annotations?: unknown }).annotations),
      ['metadata.annotations'],
    ],
    ['a new top-level key', { ...live, data: { a: '1' } }, ['data']],
    [
      'several places',
      edit((o) => {
        o.spec.replicas = 1;
        o.metadata.labels = {} as Live['metadata']['labels'];
        o.kind = 'StatefulSet';
      }),
      ['kind', 'metadata.labels', 'spec.replicas'],
    ],
  ])('sees %s', (_what, dryRun, fields) => {
    expect(differs(live, dryRun)).toBe(true);
    expect(driftedFields(live, dryRun)).toEqual(fields);
  });

  it('names at most five fields', () => {
    const a = { spec: { a: 1, b: 1, c: 1, d: 1, e: 1, f: 1 } };
    const b = { spec: { a: 2, b: 2, c: 2, d: 2, e: 2, f: 2 } };
    expect(driftedFields(a, b)).toEqual(['spec.a', 'spec.b', 'spec.c', 'spec.d', 'spec.e']);
  });

  it('compares objects without metadata', () => {
    expect(differs({ data: { a: '1' } }, { data: { a: '1' } })).toBe(false);
    expect(driftedFields({ data: { a: '1' } }, { data: { a: '2' } })).toEqual(['data']);
  });
});
