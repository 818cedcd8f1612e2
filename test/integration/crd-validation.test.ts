// The real API server enforces a structural CRD schema: an invalid object is refused with 422.
import { randomBytes } from 'node:crypto';

import { ApiextensionsV1Api, ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';

import { useTestNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const apiext = ns.kc.makeApiClient(ApiextensionsV1Api);
const custom = ns.kc.makeApiClient(CustomObjectsApi);
// CRDs are cluster-wide: a group unique to this run keeps parallel runs on one cluster apart.
const group = `t${randomBytes(3).toString('hex')}.test.ramp.dev`;
const plural = 'widgets';
const crdName = `${plural}.${group}`;

afterAll(async () => {
  await apiext.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
});

describe('a CRD with a structural schema', () => {
  it('accepts a valid object and rejects an invalid one', async () => {
    await apiext.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      required: ['replicas'],
                      properties: {
                        replicas: { type: 'integer', minimum: 0 },
                        weight: { type: 'integer', minimum: 0, maximum: 100 },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await waitFor('CRD Established', async () => {
      const crd = await apiext.readCustomResourceDefinition({ name: crdName });
      return (
        crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ??
        false
      );
    });
    const create = (spec: Record<string, unknown>, name: string) =>
      custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: ns.name,
        plural,
        body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name }, spec },
      });

    // Discovery of a new CRD can lag Established by a moment.
    await waitFor('valid Widget accepted', async () => {
      await create({ replicas: 2, weight: 50 }, 'good');
      return true;
    });

    const rejected = await create({ replicas: 'two', weight: 150 }, 'bad').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(rejected).toBeInstanceOf(ApiException);
    const apiErr = rejected as ApiException<string>;
    expect(apiErr.code).toBe(422);
    expect(String(apiErr.body)).toContain('spec.replicas');
    expect(String(apiErr.body)).toContain('spec.weight');
  });
});
