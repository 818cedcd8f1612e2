// The generated Rollout CRD in a real API server: manifests written the way Argo users write them
// apply unchanged and read back without a field pruned; wrong types are refused.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';

import { rawRequest } from '../../src/kube/raw.js';
import { runCommand } from '../../src/local/exec.js';
import { packageRoot } from '../../src/version.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';

const ns = useTestNamespace(import.meta.url);
const custom = ns.kc.makeApiClient(CustomObjectsApi);
const rollouts = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' };
const fixtures = join(packageRoot, 'test', 'fixtures', 'rollouts');

interface Manifest {
  metadata: { name: string };
  spec: Record<string, unknown>;
}

beforeAll(async () => {
  await installRampCrds(ns.kc);
});

describe('Rollout CRD', () => {
  it.each(readdirSync(fixtures).filter((f) => f.endsWith('.yaml')))(
    '%s applies unchanged and reads back with nothing pruned',
    async (file) => {
      const manifest = parse(readFileSync(join(fixtures, file), 'utf8')) as Manifest;
      await custom.createNamespacedCustomObject({
        ...rollouts,
        namespace: ns.name,
        body: manifest,
      });
      const stored = (await custom.getNamespacedCustomObject({
        ...rollouts,
        namespace: ns.name,
        name: manifest.metadata.name,
      })) as Manifest;
      expect(stored.spec).toEqual(manifest.spec);
    },
  );

  it.each([
    ['a string weight', [{ setWeight: 'twenty' }], 'setWeight'],
    ['a boolean pause duration', [{ pause: { duration: true } }], 'duration'],
  ])('refuses %s', async (_what, steps, field) => {
    const body = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'bad-types' },
      spec: { selector: { matchLabels: { app: 'x' } }, strategy: { canary: { steps } } },
    };
    const err: unknown = await custom
      .createNamespacedCustomObject({ ...rollouts, namespace: ns.name, body })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<string>).code).toBe(422);
    expect(String((err as ApiException<string>).body)).toContain(field);
  });

  it('has status and scale subresources and Argo printer columns', async () => {
    const name = 'basic-canary';
    await rawRequest(ns.kc, {
      method: 'PATCH',
      path: `/apis/argoproj.io/v1alpha1/namespaces/${ns.name}/rollouts/${name}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          HPAReplicas: 5,
          selector: 'app=basic-canary',
          phase: 'Healthy',
          observedGeneration: '1',
        },
      },
    });
    const scale = (await custom.getNamespacedCustomObjectScale({
      ...rollouts,
      namespace: ns.name,
      name,
    })) as {
      spec: { replicas: number };
      status: { replicas: number; selector: string };
    };
    expect(scale.spec.replicas).toBe(5);
    expect(scale.status).toEqual({ replicas: 5, selector: 'app=basic-canary' });

    const table = await runCommand(inject('kubectl'), ['get', 'rollouts', '-n', ns.name, name], {
      env: { ...process.env, KUBECONFIG: inject('kubeconfig') },
    });
    expect(table.stdout.split('\n')[0]).toMatch(
      /^NAME\s+DESIRED\s+CURRENT\s+UP-TO-DATE\s+AVAILABLE\s+PHASE\s+AGE/,
    );
    expect(table.stdout).toMatch(/basic-canary\s+5\s+/);
    const short = await runCommand(inject('kubectl'), ['get', 'ro', '-n', ns.name, '-o', 'name'], {
      env: { ...process.env, KUBECONFIG: inject('kubeconfig') },
    });
    expect(short.stdout).toContain('rollout.argoproj.io/basic-canary');
  });
});
