// The CRDs in crds/ are generated from src/api: they must match, and be structural schemas the
// API server accepts (every node typed; no patternProperties).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { generatedCrds, renderCrdFile, rolloutCrd } from '../../src/api/crds.js';
import { packageRoot } from '../../src/version.js';

type Node = Record<string, unknown>;

function untypedPaths(node: Node, path: string, out: string[]): string[] {
  const open =
    node['x-kubernetes-int-or-string'] === true ||
    node['x-kubernetes-preserve-unknown-fields'] === true;
  if (!node.type && !open) out.push(path);
  if ('patternProperties' in node) out.push(`${path} (patternProperties)`);
  for (const [name, child] of Object.entries(
    (node.properties as Record<string, Node> | undefined) ?? {},
  )) {
    untypedPaths(child, `${path}.${name}`, out);
  }
  if (node.items) untypedPaths(node.items as Node, `${path}[]`, out);
  if (typeof node.additionalProperties === 'object')
    untypedPaths(node.additionalProperties as Node, `${path}{}`, out);
  return out;
}

describe('generated CRDs', () => {
  it.each(generatedCrds().map((g) => [g.file, g.crd] as const))(
    'crds/%s is up to date (npm run gen:crds)',
    (file, crd) => {
      expect(readFileSync(join(packageRoot, 'crds', file), 'utf8')).toBe(renderCrdFile(crd));
    },
  );

  it.each(generatedCrds().map((g) => [g.file, g.crd] as const))(
    '%s has a structural schema',
    (_file, crd) => {
      const version = (crd.spec as { versions: { schema: { openAPIV3Schema: Node } }[] })
        .versions[0];
      expect(untypedPaths(version!.schema.openAPIV3Schema, '', [])).toEqual([]);
    },
  );

  it('gives the Rollout the scale subresource the HPA and kubectl scale use', () => {
    expect(rolloutCrd.scale).toEqual({
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.HPAReplicas',
      labelSelectorPath: '.status.selector',
    });
  });
});
