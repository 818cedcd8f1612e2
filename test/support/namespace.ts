// Gives each integration test file its own namespace on the shared cluster, created before the
// file's tests and deleted after them.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';

import { waitFor } from './wait.js';

/** Clients and the namespace of one test file. */
export interface TestNamespace {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly name: string;
}

/** Registers hooks that create a unique namespace for the calling file and remove it afterwards. */
export function useTestNamespace(fileUrl: string): TestNamespace {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  const stem = basename(fileURLToPath(fileUrl))
    .replace(/\.test\.ts$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  const name = `t-${stem}`.slice(0, 50) + '-' + randomBytes(3).toString('hex');
  const env: TestNamespace = {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    name,
  };
  beforeAll(async () => {
    await env.core.createNamespace({
      body: { metadata: { name, labels: { 'ramp.dev/test': 'true' } } },
    });
    // Pods are refused until the service-account controller has made `default`.
    await waitFor(`ServiceAccount default in ${name}`, async () => {
      await env.core.readNamespacedServiceAccount({ name: 'default', namespace: name });
      return true;
    });
  });
  afterAll(async () => {
    await env.core.deleteNamespace({ name, propagationPolicy: 'Background' });
  });
  return env;
}
