// What `ramp local up` adds on top of the bare control plane: ramp's CRDs, the controller as one
// more recorded daemon, and the example canary from examples/.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

import { generatedCrds } from '../api/crds.js';
import { applyObject, installCrds } from '../kube/apply.js';
import { connect } from '../kube/client.js';
import { packageRoot } from '../version.js';
import { LocalError } from './errors.js';

/** The example canary installed by `ramp local up`. */
export const demoManifest = join(packageRoot, 'examples', 'canary-demo.yaml');
/** The blue-green example, installed next to the canary one. */
export const blueGreenDemoManifest = join(packageRoot, 'examples', 'bluegreen-demo.yaml');

/** Resource names of the kinds the demo manifest holds. */
const plurals: Readonly<Record<string, string>> = {
  Namespace: 'namespaces',
  Service: 'services',
  Ingress: 'ingresses',
  Rollout: 'rollouts',
};

/** The built `ramp` entry point the controller daemon runs. */
export function rampEntryPoint(): string {
  const entry = join(packageRoot, 'dist', 'src', 'cli', 'ramp.js');
  if (!existsSync(entry)) throw new LocalError(`${entry} is missing: run 'npm run build' first`);
  return entry;
}

/** Arguments of the controller daemon. */
export function controllerArgs(
  kubeconfig: string,
  prometheusUrl?: string,
  metricsPort?: number,
  gitops: { kubectl?: string | undefined; webhookPort?: number } = {},
): string[] {
  return [
    rampEntryPoint(),
    'controller',
    '--kubeconfig',
    kubeconfig,
    ...(prometheusUrl ? ['--prometheus-url', prometheusUrl] : []),
    // Loopback like the rest of the local control plane; a free port so two runs never clash.
    ...(metricsPort !== undefined
      ? ['--metrics-port', String(metricsPort), '--metrics-host', '127.0.0.1']
      : []),
    // `kubectl kustomize` of the kubectl built with the control plane renders kustomizations.
    ...(gitops.kubectl ? ['--kubectl', gitops.kubectl] : []),
    ...(gitops.webhookPort !== undefined
      ? ['--webhook-port', String(gitops.webhookPort), '--webhook-host', '127.0.0.1']
      : []),
  ];
}

/** Installs ramp's CRDs. */
export async function installRampCrds(kubeconfig: string): Promise<void> {
  await installCrds(
    connect(kubeconfig).config,
    generatedCrds().map(({ crd }) => crd as KubernetesObject),
  );
}

/** Applies the example manifest (server-side apply, so `up` twice changes nothing). */
export async function applyDemo(kubeconfig: string, file = demoManifest): Promise<void> {
  const kc = connect(kubeconfig).config;
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const obj = doc.toJS() as KubernetesObject | null;
    if (!obj?.kind) continue;
    const plural = plurals[obj.kind];
    if (!plural) throw new LocalError(`${file}: unexpected kind ${obj.kind}`);
    await applyObject(kc, obj, plural);
  }
}
