import { describe, expect, it } from 'vitest';

import type { GitOpsCondition, GitSync, GitSyncStatus } from '../../src/api/gitops.js';
import {
  dependenciesReadyMessage,
  dependencyCycle,
  dependencyVerdict,
  resolveDependencies,
  type GitSyncDependency,
  type GitSyncKey,
} from '../../src/decide/gitops/dependencies.js';

const t = '2026-11-30T10:00:00Z';
const cond = (type: string, status: string, message = '', reason = 'R'): GitOpsCondition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: t,
});

const readyStatus: GitSyncStatus = {
  observedGeneration: 2,
  conditions: [cond('Ready', 'True', 'Applied revision: main@sha1:aaa'), cond('Healthy', 'True')],
  lastAppliedRevision: 'main@sha1:aaa',
  lastAttemptedRevision: 'main@sha1:aaa',
};

const gitSync = (
  namespace: string,
  name: string,
  status: GitSyncStatus | null = readyStatus,
  dependsOn?: GitSyncDependency[],
): GitSync => ({
  metadata: { namespace, name, generation: 2 },
  spec: {
    sourceRef: { kind: 'GitRepository', name: 'repo' },
    path: './',
    interval: '5m',
    timeout: '5m',
    prune: false,
    selfHeal: true,
    wait: false,
    ...(dependsOn ? { dependsOn } : {}),
  },
  ...(status ? { status } : {}),
});

const lookupOf =
  (...all: GitSync[]) =>
  (namespace: string, name: string) =>
    all.find((g) => g.metadata.namespace === namespace && g.metadata.name === name);

const infra: GitSyncKey = { namespace: 'flux', name: 'infra' };

describe('resolveDependencies', () => {
  it.each<[GitSyncDependency[] | undefined, GitSyncKey[]]>([
    [undefined, []],
    [[{ name: 'infra' }], [{ namespace: 'apps', name: 'infra' }]],
    [[{ name: 'infra', namespace: 'flux' }], [{ namespace: 'flux', name: 'infra' }]],
    [[{ name: 'infra', namespace: '' }], [{ namespace: 'apps', name: 'infra' }]],
  ])('%j', (dependsOn, keys) => {
    expect(resolveDependencies('apps', dependsOn)).toEqual(keys);
  });
});

describe('dependencyVerdict', () => {
  it.each<[string, GitSync[], boolean, string]>([
    ['a ready dependency', [gitSync('flux', 'infra')], true, dependenciesReadyMessage],
    ['a missing dependency', [], false, 'dependency "flux/infra" not found'],
    [
      'a dependency whose latest spec is not reconciled',
      [gitSync('flux', 'infra', { ...readyStatus, observedGeneration: 1 })],
      false,
      'dependency "flux/infra" is not ready: its latest generation has not been reconciled yet',
    ],
    [
      'a dependency never reconciled',
      [gitSync('flux', 'infra', null)],
      false,
      'dependency "flux/infra" is not ready: its latest generation has not been reconciled yet',
    ],
    [
      'a dependency that is not Ready: its Ready message',
      [
        gitSync('flux', 'infra', {
          ...readyStatus,
          conditions: [cond('Ready', 'False', 'kustomize build failed: missing resource')],
        }),
      ],
      false,
      'dependency "flux/infra" is not ready: kustomize build failed: missing resource',
    ],
    [
      'a dependency without a Ready condition',
      [gitSync('flux', 'infra', { ...readyStatus, conditions: [] })],
      false,
      'dependency "flux/infra" is not ready: no Ready condition yet',
    ],
    [
      'a Ready dependency that is not Healthy',
      [
        gitSync('flux', 'infra', {
          ...readyStatus,
          conditions: [
            cond('Ready', 'True'),
            cond('Healthy', 'False', 'Deployment/db/pg: 0 of 1 ready'),
          ],
        }),
      ],
      false,
      'dependency "flux/infra" is not ready: not healthy: Deployment/db/pg: 0 of 1 ready',
    ],
    [
      'a Ready dependency that does not report health',
      [gitSync('flux', 'infra', { ...readyStatus, conditions: [cond('Ready', 'True')] })],
      true,
      dependenciesReadyMessage,
    ],
    [
      'a dependency still applying a newer revision',
      [
        gitSync('flux', 'infra', {
          ...readyStatus,
          lastAttemptedRevision: 'main@sha1:bbb',
        }),
      ],
      false,
      'dependency "flux/infra" is not ready: revision main@sha1:bbb is not applied yet',
    ],
  ])('%s', (_name, objects, ready, message) => {
    expect(dependencyVerdict([infra], lookupOf(...objects))).toEqual({ ready, message });
  });

  it('names the first dependency that is not ready', () => {
    const verdict = dependencyVerdict(
      [infra, { namespace: 'flux', name: 'crds' }, { namespace: 'flux', name: 'gone' }],
      lookupOf(
        gitSync('flux', 'infra'),
        gitSync('flux', 'crds', { ...readyStatus, observedGeneration: 1 }),
      ),
    );
    expect(verdict.message).toBe(
      'dependency "flux/crds" is not ready: its latest generation has not been reconciled yet',
    );
  });

  it('is ready without dependencies', () => {
    expect(dependencyVerdict([], lookupOf())).toEqual({
      ready: true,
      message: dependenciesReadyMessage,
    });
  });
});

describe('dependencyCycle', () => {
  const dep = (name: string, namespace?: string): GitSyncDependency =>
    namespace ? { name, namespace } : { name };

  it.each<[string, GitSync[], string | undefined]>([
    ['no dependencies', [gitSync('apps', 'web')], undefined],
    [
      'a chain without a cycle',
      [
        gitSync('apps', 'web', readyStatus, [dep('db'), dep('infra', 'flux')]),
        gitSync('apps', 'db', readyStatus, [dep('infra', 'flux')]),
        gitSync('flux', 'infra'),
      ],
      undefined,
    ],
    [
      'depending on itself',
      [gitSync('apps', 'web', readyStatus, [dep('web')])],
      'dependency cycle: apps/web -> apps/web',
    ],
    [
      'a cycle back to itself (namespaces default per object)',
      [
        gitSync('apps', 'web', readyStatus, [dep('infra', 'flux')]),
        gitSync('flux', 'infra', readyStatus, [dep('web', 'apps')]),
      ],
      'dependency cycle: apps/web -> flux/infra -> apps/web',
    ],
    [
      'a cycle further down the chain',
      [
        gitSync('apps', 'web', readyStatus, [dep('a')]),
        gitSync('apps', 'a', readyStatus, [dep('b')]),
        gitSync('apps', 'b', readyStatus, [dep('a')]),
      ],
      'dependency cycle: apps/a -> apps/b -> apps/a',
    ],
    [
      'a missing dependency is no cycle',
      [gitSync('apps', 'web', readyStatus, [dep('missing')])],
      undefined,
    ],
    [
      'a diamond is no cycle',
      [
        gitSync('apps', 'web', readyStatus, [dep('a'), dep('b')]),
        gitSync('apps', 'a', readyStatus, [dep('base')]),
        gitSync('apps', 'b', readyStatus, [dep('base')]),
        gitSync('apps', 'base'),
      ],
      undefined,
    ],
  ])('%s', (_name, objects, message) => {
    expect(dependencyCycle({ namespace: 'apps', name: 'web' }, lookupOf(...objects))).toBe(message);
  });

  it("uses self's own dependsOn over the cached copy", () => {
    const cached = gitSync('apps', 'web');
    const lookup = lookupOf(cached, gitSync('flux', 'infra', readyStatus, [dep('web', 'apps')]));
    expect(dependencyCycle({ namespace: 'apps', name: 'web' }, lookup)).toBeUndefined();
    expect(
      dependencyCycle(
        { namespace: 'apps', name: 'web', dependsOn: [dep('infra', 'flux')] },
        lookup,
      ),
    ).toBe('dependency cycle: apps/web -> flux/infra -> apps/web');
  });
});
