// Routing CRDs for the router contract tests: the minimal ones in test/fixtures/crds, and Gateway
// API's real HTTPRoute CRD from the sigs.k8s.io/gateway-api Go module (downloaded through the Go
// module proxy at test time, never committed).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';

import { installCrds } from '../../src/kube/apply.js';
import { runCommand } from '../../src/local/exec.js';
import { packageRoot } from '../../src/version.js';

/** Gateway API release whose CRDs the tests install. */
export const gatewayApiVersion = 'v1.4.0';

async function gatewayApiCrd(): Promise<KubernetesObject> {
  const result = await runCommand('go', [
    'mod',
    'download',
    '-json',
    `sigs.k8s.io/gateway-api@${gatewayApiVersion}`,
  ]);
  if (result.code !== 0)
    throw new Error(`go mod download sigs.k8s.io/gateway-api failed: ${result.stderr}`);
  const dir = (JSON.parse(result.stdout) as { Dir: string }).Dir;
  return parse(
    readFileSync(
      join(dir, 'config', 'crd', 'standard', 'gateway.networking.k8s.io_httproutes.yaml'),
      'utf8',
    ),
  ) as KubernetesObject;
}

/** Installs the routing CRDs the router contract tests use. */
export async function installRoutingCrds(kc: KubeConfig): Promise<void> {
  const dir = join(packageRoot, 'test', 'fixtures', 'crds');
  const ours = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')) as KubernetesObject);
  await installCrds(kc, [...ours, await gatewayApiCrd()]);
}
