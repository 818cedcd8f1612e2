// Spec problems the CRD schema cannot catch become an InvalidSpec/Stalled condition, not a spin.
import { describe, expect, it } from 'vitest';

import type { GitRepositorySpec, GitSync } from '../../src/api/gitops.js';
import {
  gitRepositorySpecProblem,
  gitSyncSpecErrors,
} from '../../src/decide/gitops/spec-checks.js';

function gitSync(spec: Partial<GitSync['spec']> = {}, name = 'web'): GitSync {
  return {
    metadata: { name, namespace: 'apps' },
    spec: {
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      path: './',
      interval: '5m',
      timeout: '5m',
      prune: true,
      selfHeal: true,
      wait: false,
      ...spec,
    },
  };
}

const none = () => undefined;

describe('gitSyncSpecErrors', () => {
  it.each<[string, Partial<GitSync['spec']>, boolean, RegExp[]]>([
    ['a good spec', {}, false, []],
    ['zero interval', { interval: '0s' }, false, [/^interval: expected a duration of more than 0/]],
    ['zero retryInterval', { retryInterval: '0m' }, false, [/^retryInterval:/]],
    [
      'a bad window',
      { syncWindows: [{ kind: 'deny', schedule: '* *', duration: '1h' }] },
      false,
      [/syncWindows\[0\]/],
    ],
    [
      'a source in another namespace, allowed',
      { sourceRef: { kind: 'GitRepository', name: 'r', namespace: 'infra' } },
      false,
      [],
    ],
    [
      'a source in another namespace, refused',
      { sourceRef: { kind: 'GitRepository', name: 'r', namespace: 'infra' } },
      true,
      [/^sourceRef: namespace "infra" refused/],
    ],
    [
      'a dependency in another namespace, refused',
      { dependsOn: [{ name: 'db', namespace: 'data' }] },
      true,
      [/^dependsOn db: namespace "data" refused/],
    ],
    [
      'the own namespace named explicitly',
      { dependsOn: [{ name: 'db', namespace: 'apps' }] },
      true,
      [],
    ],
  ])('%s', (_what, spec, noCross, want) => {
    const errors = gitSyncSpecErrors(gitSync(spec), none, { noCrossNamespaceRefs: noCross });
    expect(errors).toHaveLength(want.length);
    want.forEach((re, i) => expect(errors[i]).toMatch(re));
  });

  it('reports a dependency cycle', () => {
    const other = gitSync({ dependsOn: [{ name: 'web' }] }, 'db');
    const errors = gitSyncSpecErrors(gitSync({ dependsOn: [{ name: 'db' }] }), (_ns, name) =>
      name === 'db' ? other : undefined,
    );
    expect(errors.join()).toMatch(/cycle/);
  });
});

describe('gitRepositorySpecProblem', () => {
  it.each<[Partial<GitRepositorySpec>, RegExp | undefined]>([
    [{}, undefined],
    [{ interval: '0s' }, /^interval:/],
    [{ timeout: '0s' }, /^timeout:/],
  ])('%j', (over, want) => {
    const problem = gitRepositorySpecProblem({
      url: 'https://x/y.git',
      interval: '1m',
      timeout: '60s',
      ...over,
    });
    if (want) expect(problem).toMatch(want);
    else expect(problem).toBeUndefined();
  });
});
