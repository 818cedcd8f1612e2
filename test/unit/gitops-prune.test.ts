import { describe, expect, it } from 'vitest';

import { describeRef, type ObjectRef } from '../../src/decide/gitops/objects.js';
import {
  nextInventory,
  planPrune,
  PruneRefusal,
  type PruneInput,
} from '../../src/decide/gitops/prune.js';

const ref = (apiVersion: string, kind: string, name: string, namespace?: string): ObjectRef =>
  namespace ? { apiVersion, kind, name, namespace } : { apiVersion, kind, name };

const deploy = (name: string, ns = 'apps') => ref('apps/v1', 'Deployment', name, ns);
const cm = (name: string, ns = 'apps') => ref('v1', 'ConfigMap', name, ns);
const ns = (name: string) => ref('v1', 'Namespace', name);
const crd = (name: string) => ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name);
const clusterRole = (name: string) => ref('rbac.authorization.k8s.io/v1', 'ClusterRole', name);
const widget = (name: string, ns = 'apps') => ref('example.com/v1', 'Widget', name, ns);

const names = (refs: readonly ObjectRef[]) => refs.map(describeRef);

const base: PruneInput = {
  previous: [],
  current: [],
  prune: true,
  allowEmpty: false,
  renderOk: true,
  sourceOk: true,
  keep: () => false,
};

describe('planPrune', () => {
  it.each<[string, Partial<PruneInput>, string[], string[], string | undefined]>([
    [
      'deletes what left Git',
      { previous: [deploy('web'), cm('web')], current: [deploy('web')] },
      ['ConfigMap/apps/web'],
      [],
      undefined,
    ],
    [
      'nothing left Git',
      { previous: [deploy('web')], current: [deploy('web')] },
      [],
      [],
      undefined,
    ],
    [
      'a new apiVersion of the same object is not pruned',
      {
        previous: [ref('autoscaling/v1', 'HorizontalPodAutoscaler', 'web', 'apps')],
        current: [ref('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', 'apps')],
      },
      [],
      [],
      undefined,
    ],
    [
      'the same name in another namespace is another object',
      { previous: [cm('cfg', 'a')], current: [cm('cfg', 'b')] },
      ['ConfigMap/a/cfg'],
      [],
      undefined,
    ],
    [
      'prune off: nothing deleted, stale objects are left in place',
      { prune: false, previous: [deploy('web'), cm('web')], current: [deploy('web')] },
      [],
      ['ConfigMap/apps/web'],
      undefined,
    ],
    [
      'objects that opt out (ramp.dev/prune: disabled) are kept',
      {
        previous: [deploy('web'), cm('keep-me'), cm('drop-me')],
        current: [deploy('web')],
        keep: (r: ObjectRef) => r.name === 'keep-me',
      },
      ['ConfigMap/apps/drop-me'],
      ['ConfigMap/apps/keep-me'],
      undefined,
    ],
    [
      'an empty render is refused',
      { previous: [deploy('web'), cm('web')], current: [] },
      [],
      ['ConfigMap/apps/web', 'Deployment/apps/web'],
      PruneRefusal.emptyRender,
    ],
    [
      'an empty render prunes everything with allowEmpty',
      { previous: [deploy('web'), cm('web')], current: [], allowEmpty: true },
      ['ConfigMap/apps/web', 'Deployment/apps/web'],
      [],
      undefined,
    ],
    [
      'an empty render with an empty inventory has nothing to refuse',
      { previous: [], current: [] },
      [],
      [],
      undefined,
    ],
    [
      'a failed render never prunes',
      { previous: [deploy('web')], current: [], renderOk: false, allowEmpty: true },
      [],
      [],
      PruneRefusal.renderFailed,
    ],
    [
      'an unreachable source never prunes',
      { previous: [deploy('web')], current: [], sourceOk: false, allowEmpty: true },
      [],
      [],
      PruneRefusal.sourceUnavailable,
    ],
    [
      'a failed render with prune off has nothing to refuse',
      { prune: false, previous: [deploy('web')], current: [], renderOk: false },
      [],
      [],
      undefined,
    ],
    [
      'duplicates in the inventory are deleted once',
      {
        previous: [cm('a'), cm('a'), ref('v1beta1', 'ConfigMap', 'a', 'apps')],
        current: [],
        allowEmpty: true,
      },
      ['ConfigMap/apps/a'],
      [],
      undefined,
    ],
  ])('%s', (_name, over, deleted, kept, refused) => {
    const plan = planPrune({ ...base, ...over });
    expect(names(plan.delete)).toEqual(deleted);
    expect(names(plan.kept)).toEqual(kept);
    expect(plan.refused).toBe(refused);
  });

  it('deletes in reverse apply order: namespaced objects, cluster-scoped, Namespaces, CRDs', () => {
    const plan = planPrune({
      ...base,
      allowEmpty: true,
      previous: [
        crd('widgets.example.com'),
        ns('apps'),
        clusterRole('reader'),
        widget('w1'),
        deploy('web'),
        cm('cfg'),
        ns('other'),
      ],
      current: [],
    });
    expect(names(plan.delete)).toEqual([
      'ConfigMap/apps/cfg',
      'Deployment/apps/web',
      'Widget/apps/w1',
      'ClusterRole/reader',
      'Namespace/apps',
      'Namespace/other',
      'CustomResourceDefinition/widgets.example.com',
    ]);
  });
});

describe('nextInventory', () => {
  it.each<[string, ObjectRef[], ObjectRef[], ObjectRef[], ObjectRef[]]>([
    ['what was applied', [], [deploy('web'), cm('web')], [], [cm('web'), deploy('web')]],
    [
      'objects whose deletion failed stay',
      [deploy('web'), cm('old')],
      [deploy('web')],
      [cm('old')],
      [cm('old'), deploy('web')],
    ],
    [
      'a failed delete never adopts an object that was not in the inventory',
      [deploy('web')],
      [deploy('web')],
      [cm('stranger')],
      [deploy('web')],
    ],
    [
      'the applied version wins over the old one',
      [ref('autoscaling/v1', 'HorizontalPodAutoscaler', 'web', 'apps')],
      [ref('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', 'apps')],
      [ref('autoscaling/v1', 'HorizontalPodAutoscaler', 'web', 'apps')],
      [ref('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', 'apps')],
    ],
    [
      'duplicates are removed and the order is stable',
      [],
      [cm('b'), ns('apps'), cm('a'), cm('b')],
      [],
      [cm('a'), cm('b'), ns('apps')],
    ],
  ])('%s', (_name, previous, applied, deleteFailed, expected) => {
    expect(nextInventory(previous, applied, deleteFailed)).toEqual(expected);
  });

  it('does not depend on the order of its input', () => {
    const refs = [deploy('web'), cm('a'), ns('apps'), crd('widgets.example.com')];
    expect(nextInventory([], [...refs].reverse(), [])).toEqual(nextInventory([], refs, []));
  });
});
