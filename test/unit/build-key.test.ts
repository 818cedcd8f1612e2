import { describe, expect, it } from 'vitest';

import {
  cacheEntryName,
  cacheEntryPrefix,
  formatDuration,
  goTargets,
  ldflags,
  sourceKey,
} from '../../src/local/build-key.js';

const inputs = {
  module: 'k8s',
  goMod: 'module x\nrequire k8s.io/kubernetes v1.35.4\n',
  goSum: 'k8s.io/kubernetes v1.35.4 h1:abc\n',
  targets: goTargets.filter((t) => t.module === 'k8s'),
};

describe('build cache key', () => {
  it('is stable for the same inputs', () => {
    expect(sourceKey(inputs)).toBe(sourceKey({ ...inputs, targets: [...inputs.targets] }));
    expect(sourceKey(inputs)).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ['go.mod', { goMod: inputs.goMod + '// changed\n' }],
    ['go.sum', { goSum: inputs.goSum + 'x v1 h1:def\n' }],
    ['module', { module: 'etcd' }],
    ['targets', { targets: inputs.targets.slice(1) }],
  ])('changes when %s changes', (_what, change) => {
    expect(sourceKey({ ...inputs, ...change })).not.toBe(sourceKey(inputs));
  });

  it('puts the Go version and platform in the entry name, after the source prefix', () => {
    const name = cacheEntryName(inputs, 'go1.26.8', 'linux-amd64');
    expect(name.startsWith(cacheEntryPrefix(inputs))).toBe(true);
    expect(name).toBe(`${cacheEntryPrefix(inputs)}go1.26.8-linux-amd64`);
    expect(cacheEntryName(inputs, 'go1.26.9', 'linux-amd64')).not.toBe(name);
  });

  it('builds every control plane binary the issue names', () => {
    expect(goTargets.map((t) => t.binary).sort()).toEqual(
      [
        'etcd',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-scheduler',
        'kubectl',
        'kwok',
      ].sort(),
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [4_400, '4s'],
    [59_600, '1m00s'],
    [65_000, '1m05s'],
    [612_000, '10m12s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('ldflags', () => {
  it('stamps the Kubernetes version pinned in go.mod, server and client side', () => {
    const flags = ldflags('module x\n\nrequire k8s.io/kubernetes v1.35.4\n');
    expect(flags).toContain('-X k8s.io/component-base/version.gitVersion=v1.35.4');
    expect(flags).toContain('-X k8s.io/client-go/pkg/version.gitVersion=v1.35.4');
    expect(flags).toContain('-X k8s.io/component-base/version.gitMinor=35');
    expect(flags.startsWith('-s -w')).toBe(true);
  });

  it.each([
    ['a require block', 'require (\n\tk8s.io/kubernetes v1.34.2\n)\n'],
    [
      'an indirect require, as go mod tidy writes it for a tool',
      'require (\n\tk8s.io/kubernetes v1.34.2 // indirect\n)\n',
    ],
  ])('also reads the version from %s', (_form, goMod) => {
    expect(ldflags(goMod)).toContain('gitVersion=v1.34.2');
  });

  it('only strips symbols for modules that are not Kubernetes', () => {
    expect(ldflags('module y\nrequire go.etcd.io/etcd/server/v3 v3.6.16\n')).toBe('-s -w');
  });

  it('is part of the cache key', () => {
    const other = { ...inputs, goMod: inputs.goMod.replace('v1.35.4', 'v1.35.5') };
    expect(sourceKey(other)).not.toBe(sourceKey(inputs));
  });
});
