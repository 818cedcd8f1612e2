import { describe, expect, it } from 'vitest';

import {
  checkKustomization,
  checkPluginConfig,
  isRemoteReference,
  resolveInRepo,
  type KustomizationCheckInput,
} from '../../src/decide/gitops/kustomization-check.js';

const web = 'apps/web';
const where = 'apps/web/kustomization.yaml';

function check(
  kustomization: unknown,
  extra: Partial<KustomizationCheckInput> = {},
): ReturnType<typeof checkKustomization> {
  return checkKustomization({
    dir: web,
    fileName: 'kustomization.yaml',
    kustomization,
    allowRemoteBases: false,
    ...extra,
  });
}

describe('resolveInRepo', () => {
  it.each([
    ['.', './', '.'],
    ['.', '', '.'],
    ['.', 'apps/web', 'apps/web'],
    ['.', './apps/web/', 'apps/web'],
    ['apps/web', '../base', 'apps/base'],
    ['apps/web', '../../base', 'base'],
    ['apps/web', 'sub/../../web/x.yaml', 'apps/web/x.yaml'],
    ['apps/web', '..', 'apps'],
    ['apps/web', '../..', '.'],
  ])('%j + %j is %j', (dir, ref, expected) => {
    expect(resolveInRepo(dir, ref)).toBe(expected);
  });

  it.each([
    ['.', '..'],
    ['.', '../..'],
    ['.', '/etc'],
    ['apps/web', '../../../etc'],
    ['apps/web', '../../..'],
    ['apps', 'x/../../../y'],
    ['.', 'a\0b'],
  ])('%j + %j leaves the repository', (dir, ref) => {
    expect(resolveInRepo(dir, ref)).toBeUndefined();
  });
});

describe('isRemoteReference', () => {
  it.each([
    ['https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0', true],
    ['http://example.com/deploy.yaml', true],
    ['git::https://example.com/org/repo.git//deploy', true],
    ['ssh://git@example.com/org/repo.git', true],
    ['git@github.com:org/repo.git', true],
    ['github.com/org/repo/deploy?ref=main', true],
    ['gitlab.com/org/repo', true],
    ['example.com/org/repo.git', true],
    ['base?ref=main', true],
    ['../base', false],
    ['deployment.yaml', false],
    ['.github/deploy', false],
    ['file:///etc', false],
  ])('%j -> %j', (ref, remote) => {
    expect(isRemoteReference(ref)).toBe(remote);
  });
});

describe('checkKustomization: local paths', () => {
  it.each([
    [
      'resources: [deployment.yaml]',
      { resources: ['deployment.yaml'] },
      ['apps/web/deployment.yaml'],
    ],
    [
      'resources: [../base] (a base elsewhere in the repo)',
      { resources: ['../base'] },
      ['apps/base'],
    ],
    ['resources: [../../shared/]', { resources: ['../../shared/'] }, ['shared']],
    ['bases: [../base]', { bases: ['../base'] }, ['apps/base']],
    ['components: [../../components/x]', { components: ['../../components/x'] }, ['components/x']],
    [
      'patches[].path',
      { patches: [{ path: 'patch.yaml' }, { patch: 'inline' }] },
      ['apps/web/patch.yaml'],
    ],
    ['patchesJson6902[].path', { patchesJson6902: [{ path: 'p.json' }] }, ['apps/web/p.json']],
    ['patchesStrategicMerge file', { patchesStrategicMerge: ['p.yaml'] }, ['apps/web/p.yaml']],
    [
      'patchesStrategicMerge inline patch is not a path',
      { patchesStrategicMerge: ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n'] },
      [],
    ],
    [
      'configMapGenerator files and envs',
      {
        configMapGenerator: [
          { name: 'c', files: ['a.txt', 'key=b.txt'], envs: ['c.env'], literals: ['a=b'] },
        ],
      },
      ['apps/web/a.txt', 'apps/web/b.txt', 'apps/web/c.env'],
    ],
    ['secretGenerator env', { secretGenerator: [{ name: 's', env: 's.env' }] }, ['apps/web/s.env']],
    ['crds', { crds: ['crd.yaml'] }, ['apps/web/crd.yaml']],
    ['configurations', { configurations: ['conf.yaml'] }, ['apps/web/conf.yaml']],
    [
      'replacements[].path',
      { replacements: [{ path: 'r.yaml' }, { source: {} }] },
      ['apps/web/r.yaml'],
    ],
    ['openapi.path', { openapi: { path: 'schema.json' } }, ['apps/web/schema.json']],
    ['generators file', { generators: ['gen.yaml'] }, ['apps/web/gen.yaml']],
    ['empty kustomization', {}, []],
  ])('%s is allowed', (_name, kustomization, paths) => {
    const result = check(kustomization);
    expect(result.problems).toEqual([]);
    expect(result.references.map((r) => r.path)).toEqual(paths);
  });

  it.each([
    ['resources', { resources: ['../../../etc'] }, '../../../etc'],
    ['resources (deep)', { resources: ['../../../../etc'] }, '../../../../etc'],
    ['resources absolute', { resources: ['/etc/passwd'] }, '/etc/passwd'],
    ['resources file://', { resources: ['file:///etc'] }, 'file:///etc'],
    ['bases', { bases: ['../../../base'] }, '../../../base'],
    ['components', { components: ['/components'] }, '/components'],
    ['patches[].path', { patches: [{ path: '../../../p.yaml' }] }, '../../../p.yaml'],
    ['patchesJson6902[].path', { patchesJson6902: [{ path: '/tmp/p' }] }, '/tmp/p'],
    ['patchesStrategicMerge', { patchesStrategicMerge: ['../../../p.yaml'] }, '../../../p.yaml'],
    [
      'configMapGenerator files',
      { configMapGenerator: [{ files: ['k=/etc/shadow'] }] },
      '/etc/shadow',
    ],
    [
      'configMapGenerator envs',
      { configMapGenerator: [{ envs: ['../../../.env'] }] },
      '../../../.env',
    ],
    [
      'secretGenerator files',
      { secretGenerator: [{ files: ['/root/.ssh/id_rsa'] }] },
      '/root/.ssh/id_rsa',
    ],
    [
      'secretGenerator env',
      { secretGenerator: [{ env: '/proc/self/environ' }] },
      '/proc/self/environ',
    ],
    ['crds', { crds: ['/crd.yaml'] }, '/crd.yaml'],
    ['configurations', { configurations: ['../../../c.yaml'] }, '../../../c.yaml'],
    ['replacements[].path', { replacements: [{ path: '/r.yaml' }] }, '/r.yaml'],
    ['openapi.path', { openapi: { path: '/schema.json' } }, '/schema.json'],
    ['generators', { generators: ['../../../gen'] }, '../../../gen'],
    ['transformers', { transformers: ['/t.yaml'] }, '/t.yaml'],
    ['validators', { validators: ['../../../v.yaml'] }, '../../../v.yaml'],
  ])('%s outside the repository is refused', (_field, kustomization, ref) => {
    expect(check(kustomization).problems).toEqual([
      {
        reason: 'PathEscape',
        message: `kustomization ${where} refers to "${ref}" outside the repository`,
      },
    ]);
  });

  it('names the kustomization at the root by its file name', () => {
    const result = checkKustomization({
      dir: '.',
      fileName: 'Kustomization',
      kustomization: { resources: ['../outside'] },
      allowRemoteBases: false,
    });
    expect(result.problems[0]?.message).toBe(
      'kustomization Kustomization refers to "../outside" outside the repository',
    );
  });

  it('refuses ../../outside from a directory one level down', () => {
    const result = check({ resources: ['../../outside'] }, { dir: 'app' });
    expect(result.problems.map((p) => p.reason)).toEqual(['PathEscape']);
  });

  it('marks what each reference is loaded as', () => {
    const result = check({
      resources: ['a'],
      transformers: ['t.yaml'],
      patches: [{ path: 'p.yaml' }],
    });
    expect(result.references).toEqual([
      { path: 'apps/web/a', ref: 'a', field: 'resources', use: 'resource' },
      { path: 'apps/web/t.yaml', ref: 't.yaml', field: 'transformers', use: 'plugin' },
      { path: 'apps/web/p.yaml', ref: 'p.yaml', field: 'patches[].path', use: 'file' },
    ]);
  });

  it('loads the resources of a plugin kustomization as plugin configs', () => {
    const result = check({ resources: ['t.yaml'] }, { pluginContext: true });
    expect(result.references.map((r) => r.use)).toEqual(['plugin']);
  });
});

describe('checkKustomization: remote references', () => {
  it.each([
    ['resources', { resources: ['https://github.com/org/repo//deploy?ref=v1'] }],
    ['resources (github.com shorthand)', { resources: ['github.com/org/repo/deploy?ref=main'] }],
    ['bases', { bases: ['git::https://example.com/org/repo.git'] }],
    ['components', { components: ['ssh://git@example.com/org/repo.git'] }],
    ['resources (scp-like)', { resources: ['git@github.com:org/repo.git'] }],
    ['resources (?ref=)', { resources: ['base?ref=main'] }],
  ])('%s: refused by default, allowed with allowRemoteBases', (_name, kustomization) => {
    const refused = check(kustomization);
    expect(refused.problems.map((p) => p.reason)).toEqual(['RemoteBase']);
    expect(refused.problems[0]?.message).toMatch(
      /^kustomization apps\/web\/kustomization.yaml refers to remote ".+" in \w+: remote bases are not allowed$/,
    );
    const allowed = check(kustomization, { allowRemoteBases: true });
    expect(allowed).toEqual({ problems: [], references: [] });
  });

  it('never allows file:// even with allowRemoteBases', () => {
    const result = check({ resources: ['file:///etc/kubernetes'] }, { allowRemoteBases: true });
    expect(result.problems.map((p) => p.reason)).toEqual(['PathEscape']);
  });
});

const execPlugin =
  'apiVersion: someteam.example.com/v1\nkind: SecretsFromVault\nmetadata:\n  name: x\n';
const krmFunction = [
  'apiVersion: example.com/v1',
  'kind: Fn',
  'metadata:',
  '  name: x',
  '  annotations:',
  '    config.kubernetes.io/function: |',
  '      exec:',
  '        path: ./plugin.sh',
].join('\n');
const builtinLabels =
  'apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\nlabels:\n  a: b\n';
const builtinHelm =
  'apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: h\n';

describe('checkKustomization: plugins', () => {
  it.each([
    ['helmCharts', { helmCharts: [{ name: 'nginx', repo: 'https://charts.example.com' }] }],
    ['helmGlobals', { helmGlobals: { chartHome: 'charts' } }],
    ['helmChartInflationGenerator', { helmChartInflationGenerator: [{ chartName: 'x' }] }],
    ['an inline exec plugin in transformers', { transformers: [execPlugin] }],
    ['an inline exec plugin in generators', { generators: [execPlugin] }],
    ['an inline KRM function in validators', { validators: [krmFunction] }],
    ['an inline KRM function in transformers', { transformers: [krmFunction] }],
    ['the builtin Helm inflator inline', { generators: [builtinHelm] }],
    [
      'a builtin next to an exec plugin (multi-doc)',
      { transformers: [`${builtinLabels}---\n${execPlugin}`] },
    ],
  ])('%s is refused', (_name, kustomization) => {
    const result = check(kustomization);
    expect(result.problems.map((p) => p.reason)).toEqual(['Plugin']);
    expect(result.problems[0]?.message).toContain(where);
  });

  it('allows an inline builtin transformer', () => {
    expect(check({ transformers: [builtinLabels] })).toEqual({ problems: [], references: [] });
  });

  it.each([
    ['an exec plugin', { apiVersion: 'x.example.com/v1', kind: 'Gen' }, 'exec/Go plugin'],
    [
      'a KRM function (container)',
      {
        apiVersion: 'builtin',
        kind: 'LabelTransformer',
        metadata: { annotations: { 'config.kubernetes.io/function': 'container:\n  image: x' } },
      },
      'KRM function',
    ],
    [
      'a KRM function (legacy annotation)',
      { apiVersion: 'v1', kind: 'X', metadata: { annotations: { 'config.k8s.io/function': 'x' } } },
      'KRM function',
    ],
    ['the Helm inflator', { apiVersion: 'builtin', kind: 'HelmChartInflationGenerator' }, 'Helm'],
  ])('checkPluginConfig refuses %s', (_name, config, what) => {
    const problems = checkPluginConfig(config, 'gen.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]?.reason).toBe('Plugin');
    expect(problems[0]?.message).toContain(what);
    expect(problems[0]?.message).toContain('gen.yaml');
  });

  it.each([
    ['LabelTransformer'],
    ['PatchTransformer'],
    ['ConfigMapGenerator'],
    ['PrefixSuffixTransformer'],
  ])('checkPluginConfig allows builtin %s', (kind) => {
    expect(checkPluginConfig({ apiVersion: 'builtin', kind }, 'x')).toEqual([]);
  });
});

describe('checkKustomization: shape', () => {
  it.each([
    ['not a mapping', ['resources'], 'is not a YAML mapping'],
    ['resources as a string', { resources: '../../../etc' }, 'resources must be a list of strings'],
    [
      'resources with a non-string',
      { resources: [{ path: 'x' }] },
      'resources must be a list of strings',
    ],
    ['patches as a string', { patches: 'p.yaml' }, 'patches must be a list of mappings'],
    ['openapi as a string', { openapi: 'x' }, 'openapi must be a mapping'],
  ])('%s is a Parse problem', (_name, kustomization, text) => {
    const problems = check(kustomization).problems;
    expect(problems.map((p) => p.reason)).toEqual(['Parse']);
    expect(problems[0]?.message).toContain(text);
  });
});
