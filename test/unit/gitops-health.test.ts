import { describe, expect, it } from 'vitest';

import {
  aggregateHealth,
  isTerminalFailure,
  objectHealth,
  type HealthItem,
  type HealthStatus,
} from '../../src/decide/gitops/health.js';

type Obj = Record<string, unknown>;

const cond = (type: string, status: string, reason = '', message = '') => ({
  type,
  status,
  reason,
  message,
});

const obj = (apiVersion: string, kind: string, rest: Obj = {}, generation = 1): Obj => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'ns', generation },
  ...rest,
});

const deployment = (spec: Obj, status: Obj, generation = 1) =>
  obj('apps/v1', 'Deployment', { spec, status }, generation);
const statefulSet = (spec: Obj, status: Obj) => obj('apps/v1', 'StatefulSet', { spec, status });
const daemonSet = (status: Obj) => obj('apps/v1', 'DaemonSet', { spec: {}, status });
const job = (spec: Obj, status: Obj) => obj('batch/v1', 'Job', { spec, status });
const service = (spec: Obj, status: Obj = {}) => obj('v1', 'Service', { spec, status });
const pod = (status: Obj) => obj('v1', 'Pod', { spec: {}, status });
const rollout = (status: Obj, spec: Obj = {}, generation = 2) =>
  obj('argoproj.io/v1alpha1', 'Rollout', { spec, status }, generation);
const custom = (status?: Obj, generation = 1) =>
  obj('example.com/v1', 'Widget', status ? { spec: {}, status } : { spec: {} }, generation);

const doneDeployment = {
  observedGeneration: 1,
  replicas: 3,
  updatedReplicas: 3,
  readyReplicas: 3,
  availableReplicas: 3,
};

describe('objectHealth', () => {
  it.each<[string, Obj, HealthStatus, string]>([
    // Any kind
    [
      'an object being deleted',
      {
        ...obj('v1', 'ConfigMap'),
        metadata: { name: 'x', deletionTimestamp: '2026-01-01T00:00:00Z' },
      },
      'InProgress',
      'being deleted',
    ],
    ['an object without a kind', { metadata: { name: 'x' } }, 'Unknown', 'object has no kind'],
    [
      'a spec change the controller has not observed',
      deployment({ replicas: 3 }, { ...doneDeployment, observedGeneration: 1 }, 2),
      'InProgress',
      'Deployment generation is 2, but latest observed generation is 1',
    ],
    // Deployment
    [
      'a rolled-out Deployment',
      deployment({ replicas: 3 }, doneDeployment),
      'Current',
      'Deployment is available: 3 replicas',
    ],
    [
      'a Deployment mid-rollout (new replicas not all updated)',
      deployment(
        { replicas: 3 },
        { observedGeneration: 1, replicas: 4, updatedReplicas: 1, availableReplicas: 3 },
      ),
      'InProgress',
      'Waiting for rollout to finish: 1 out of 3 new replicas have been updated',
    ],
    [
      'a Deployment whose old pods are terminating',
      deployment(
        { replicas: 3 },
        { observedGeneration: 1, replicas: 4, updatedReplicas: 3, availableReplicas: 3 },
      ),
      'InProgress',
      'Waiting for rollout to finish: 1 old replicas are pending termination',
    ],
    [
      'a Deployment whose updated pods are not available yet',
      deployment(
        { replicas: 3 },
        { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 1 },
      ),
      'InProgress',
      'Waiting for rollout to finish: 1 of 3 updated replicas are available',
    ],
    [
      'a Deployment with no status, one replica by default',
      deployment({}, {}),
      'InProgress',
      '0 out of 1 new replicas have been updated',
    ],
    [
      'a Deployment scaled to zero',
      deployment({ replicas: 0 }, { observedGeneration: 1 }),
      'Current',
      'Deployment is available: 0 replicas',
    ],
    [
      'a Deployment past its progress deadline',
      deployment(
        { replicas: 3 },
        {
          observedGeneration: 1,
          updatedReplicas: 1,
          conditions: [
            cond(
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              'ReplicaSet "web-5d8f" has timed out progressing.',
            ),
          ],
        },
      ),
      'Failed',
      'ReplicaSet "web-5d8f" has timed out progressing.',
    ],
    // StatefulSet
    [
      'a ready StatefulSet',
      statefulSet(
        { replicas: 2 },
        {
          readyReplicas: 2,
          updatedReplicas: 2,
          currentReplicas: 2,
          currentRevision: 'db-1',
          updateRevision: 'db-1',
        },
      ),
      'Current',
      'StatefulSet is ready: 2 replicas',
    ],
    [
      'a StatefulSet with pods not ready',
      statefulSet({ replicas: 3 }, { readyReplicas: 1 }),
      'InProgress',
      '1 of 3 replicas are ready',
    ],
    [
      'a StatefulSet rolling to a new revision',
      statefulSet(
        { replicas: 2 },
        {
          readyReplicas: 2,
          updatedReplicas: 2,
          currentReplicas: 2,
          currentRevision: 'db-1',
          updateRevision: 'db-2',
        },
      ),
      'InProgress',
      'the update revision is not the current revision yet',
    ],
    [
      'a StatefulSet with replicas not updated',
      statefulSet({ replicas: 3 }, { readyReplicas: 3, updatedReplicas: 1, currentReplicas: 3 }),
      'InProgress',
      '1 out of 3 new replicas have been updated',
    ],
    [
      'a partitioned StatefulSet whose partition rolled out (revisions differ by design)',
      statefulSet(
        { replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 3 } } },
        {
          readyReplicas: 4,
          updatedReplicas: 1,
          currentReplicas: 3,
          currentRevision: 'db-1',
          updateRevision: 'db-2',
        },
      ),
      'Current',
      'Partitioned rollout complete: 1 of 1 replicas updated',
    ],
    [
      'a partitioned StatefulSet still rolling its partition',
      statefulSet(
        { replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
        { readyReplicas: 4, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2' },
      ),
      'InProgress',
      '1 of 2 partitioned replicas updated',
    ],
    [
      'an OnDelete StatefulSet only needs ready pods',
      statefulSet(
        { replicas: 2, updateStrategy: { type: 'OnDelete' } },
        { readyReplicas: 2, currentRevision: 'db-1', updateRevision: 'db-2' },
      ),
      'Current',
      'StatefulSet is ready: 2 replicas',
    ],
    // DaemonSet
    [
      'a DaemonSet on every node',
      daemonSet({
        desiredNumberScheduled: 3,
        updatedNumberScheduled: 3,
        numberAvailable: 3,
        numberReady: 3,
      }),
      'Current',
      'DaemonSet is available: 3 pods',
    ],
    [
      'a DaemonSet mid-update',
      daemonSet({
        desiredNumberScheduled: 3,
        updatedNumberScheduled: 2,
        numberAvailable: 3,
        numberReady: 3,
      }),
      'InProgress',
      '2 out of 3 new pods have been updated',
    ],
    [
      'a DaemonSet with pods unavailable',
      daemonSet({
        desiredNumberScheduled: 3,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
        numberReady: 3,
      }),
      'InProgress',
      '2 of 3 updated pods are available',
    ],
    [
      'a DaemonSet with pods not ready',
      daemonSet({
        desiredNumberScheduled: 3,
        updatedNumberScheduled: 3,
        numberAvailable: 3,
        numberReady: 2,
      }),
      'InProgress',
      '2 of 3 pods are ready',
    ],
    [
      'a DaemonSet not scheduled yet',
      daemonSet({}),
      'InProgress',
      'DaemonSet has not been scheduled yet',
    ],
    // Job
    [
      'a completed Job',
      job({}, { conditions: [cond('Complete', 'True')] }),
      'Current',
      'Job completed',
    ],
    [
      'a failed Job',
      job(
        {},
        {
          conditions: [
            cond(
              'Failed',
              'True',
              'BackoffLimitExceeded',
              'Job has reached the specified backoff limit',
            ),
          ],
        },
      ),
      'Failed',
      'Job failed: Job has reached the specified backoff limit',
    ],
    ['a suspended Job', job({ suspend: true }, {}), 'Current', 'Job is suspended'],
    [
      'a running Job',
      job({}, { active: 1, succeeded: 0 }),
      'InProgress',
      'Job is running: 1 active, 0 succeeded',
    ],
    // Service
    ['a ClusterIP Service', service({ type: 'ClusterIP' }), 'Current', 'Service is ready'],
    ['a Service without a type', service({}), 'Current', 'Service is ready'],
    ['an ExternalName Service', service({ type: 'ExternalName' }), 'Current', 'Service is ready'],
    ['a NodePort Service', service({ type: 'NodePort' }), 'Current', 'Service is ready'],
    [
      'a LoadBalancer Service waiting for an address',
      service({ type: 'LoadBalancer' }, { loadBalancer: {} }),
      'InProgress',
      'Waiting for the load balancer to get an address',
    ],
    [
      'a LoadBalancer Service with an address',
      service({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } }),
      'Current',
      'Load balancer is ready',
    ],
    // Argo Rollout
    [
      'a healthy Rollout',
      rollout({ observedGeneration: '2', phase: 'Healthy', currentPodHash: 'abc' }),
      'Current',
      'Rollout is healthy',
    ],
    [
      'an aborted Rollout names the revision and the abort message',
      rollout({
        observedGeneration: '2',
        phase: 'Degraded',
        abort: true,
        currentPodHash: '6b8f9c',
        message: 'RolloutAborted: Rollout aborted update to revision 3',
      }),
      'Failed',
      'Rollout aborted at revision 6b8f9c: RolloutAborted: Rollout aborted update to revision 3',
    ],
    [
      'abort alone is a failure even before the phase follows',
      rollout({ observedGeneration: '2', phase: 'Progressing', abort: true }),
      'Failed',
      'Rollout aborted',
    ],
    [
      'a degraded Rollout (progress deadline)',
      rollout({
        observedGeneration: '2',
        phase: 'Degraded',
        currentPodHash: '77aa',
        message: 'ProgressDeadlineExceeded: ReplicaSet "web-77aa" has timed out progressing.',
      }),
      'Failed',
      'Rollout degraded at revision 77aa: ProgressDeadlineExceeded',
    ],
    [
      'a paused canary',
      rollout({ observedGeneration: '2', phase: 'Paused', message: 'CanaryPauseStep' }),
      'InProgress',
      'Paused: CanaryPauseStep',
    ],
    [
      'a Rollout paused by spec.paused',
      rollout({ observedGeneration: '2', phase: 'Healthy' }, { paused: true }),
      'InProgress',
      'Paused: Rollout is paused',
    ],
    [
      'a progressing Rollout',
      rollout({
        observedGeneration: '2',
        phase: 'Progressing',
        message: 'more replicas need to be updated',
      }),
      'InProgress',
      'Progressing: more replicas need to be updated',
    ],
    [
      'a Rollout whose controller has not seen the new generation (string observedGeneration)',
      rollout({ observedGeneration: '1', phase: 'Healthy' }),
      'InProgress',
      'Rollout generation is 2, but latest observed generation is 1',
    ],
    [
      'a Rollout whose controller has not observed it at all',
      rollout({}),
      'InProgress',
      'Rollout status not observed yet',
    ],
    [
      'a Rollout with an old hash-style observedGeneration: phase decides',
      rollout({ observedGeneration: '5f6d7c8b9', phase: 'Healthy' }),
      'Current',
      'Rollout is healthy',
    ],
    [
      'a Rollout without a phase',
      rollout({ observedGeneration: '2' }),
      'InProgress',
      'Rollout has no phase yet',
    ],
    [
      'a Rollout in a phase ramp does not know',
      rollout({ observedGeneration: '2', phase: 'Exploding' }),
      'Unknown',
      'Rollout phase Exploding is not known',
    ],
    // Pod
    [
      'a running, ready Pod',
      pod({ phase: 'Running', conditions: [cond('Ready', 'True')] }),
      'Current',
      'Pod is ready',
    ],
    [
      'a running Pod that is not ready',
      pod({
        phase: 'Running',
        conditions: [
          cond('Ready', 'False', 'ContainersNotReady', 'containers with unready status: [app]'),
        ],
      }),
      'InProgress',
      'Pod is running: containers with unready status: [app]',
    ],
    ['a pending Pod', pod({ phase: 'Pending' }), 'InProgress', 'Pod is pending'],
    ['a succeeded Pod', pod({ phase: 'Succeeded' }), 'Current', 'Pod succeeded'],
    [
      'a failed Pod',
      pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on memory.' }),
      'Failed',
      'Pod failed: The node was low on memory.',
    ],
    // PVC, Namespace, CRD
    [
      'a bound PVC',
      obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Bound' } }),
      'Current',
      'PersistentVolumeClaim is bound',
    ],
    [
      'a pending PVC',
      obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Pending' } }),
      'InProgress',
      'PersistentVolumeClaim is Pending',
    ],
    [
      'a PVC that lost its volume',
      obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Lost' } }),
      'Failed',
      'PersistentVolumeClaim lost its volume',
    ],
    [
      'an active Namespace',
      obj('v1', 'Namespace', { status: { phase: 'Active' } }),
      'Current',
      'Namespace is active',
    ],
    [
      'a terminating Namespace',
      obj('v1', 'Namespace', { status: { phase: 'Terminating' } }),
      'InProgress',
      'Namespace is terminating',
    ],
    [
      'an established CRD',
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
        status: { conditions: [cond('NamesAccepted', 'True'), cond('Established', 'True')] },
      }),
      'Current',
      'CRD is established',
    ],
    [
      'a CRD not established yet',
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: {} }),
      'InProgress',
      'CRD is not established yet',
    ],
    [
      'a CRD whose names conflict',
      obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
        status: {
          conditions: [
            cond(
              'NamesAccepted',
              'False',
              'MultipleNamesNotAllowed',
              '"widgets" is already in use',
            ),
          ],
        },
      }),
      'Failed',
      'names not accepted: "widgets" is already in use',
    ],
    // Generic kinds
    [
      'a ConfigMap (no status)',
      obj('v1', 'ConfigMap', { data: {} }),
      'Current',
      'Resource is current',
    ],
    [
      'a ClusterRole (no status)',
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', { rules: [] }),
      'Current',
      'Resource is current',
    ],
    ['a custom resource without conditions', custom({}), 'Current', 'Resource is current'],
    [
      'a custom resource that is Ready',
      custom({
        conditions: [cond('Ready', 'True', 'Succeeded', 'Applied revision main@sha1:abc')],
      }),
      'Current',
      'Applied revision main@sha1:abc',
    ],
    [
      'a custom resource that is not Ready yet',
      custom({ conditions: [cond('Ready', 'False', 'Progressing', 'waiting for pods')] }),
      'InProgress',
      'waiting for pods',
    ],
    [
      'a custom resource that is reconciling',
      custom({
        conditions: [
          cond('Ready', 'True', 'Succeeded', 'old news'),
          cond('Reconciling', 'True', 'Progressing', 'reconciliation in progress'),
        ],
      }),
      'InProgress',
      'reconciliation in progress',
    ],
    [
      'a stalled custom resource',
      custom({
        conditions: [
          cond('Ready', 'False', 'InvalidSpec', 'spec.url is invalid'),
          cond('Stalled', 'True', 'InvalidSpec', 'spec.url is invalid'),
        ],
      }),
      'Failed',
      'spec.url is invalid',
    ],
    [
      'a custom resource whose Ready condition is for an older generation',
      custom({ conditions: [{ ...cond('Ready', 'True'), observedGeneration: 2 }] }, 3),
      'InProgress',
      'Ready condition is for generation 2, not 3',
    ],
    [
      'a custom resource whose status observedGeneration lags',
      custom({ observedGeneration: 1, conditions: [cond('Ready', 'True')] }, 2),
      'InProgress',
      'Widget generation is 2, but latest observed generation is 1',
    ],
  ])('%s', (_name, object, status, message) => {
    const health = objectHealth(object);
    expect(health.status).toBe(status);
    expect(health.message).toContain(message);
  });
});

describe('isTerminalFailure', () => {
  it.each<[HealthStatus, boolean]>([
    ['Failed', true],
    ['InProgress', false],
    ['Unknown', false],
    ['Current', false],
  ])('%s -> %s', (status, terminal) => {
    expect(isTerminalFailure({ status, message: '' })).toBe(terminal);
  });
});

const item = (
  name: string,
  status: HealthStatus,
  message = `${name} says ${status}`,
): HealthItem => ({
  ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name },
  health: { status, message },
});

describe('aggregateHealth', () => {
  it.each<[string, HealthItem[], HealthStatus, string]>([
    ['nothing to check', [], 'Current', 'no objects to check'],
    ['one healthy object', [item('a', 'Current')], 'Current', '1 object is healthy'],
    [
      'all healthy',
      [item('a', 'Current'), item('b', 'Current')],
      'Current',
      'all 2 objects are healthy',
    ],
    [
      'Unknown beats Current',
      [item('a', 'Current'), item('b', 'Unknown')],
      'Unknown',
      'Deployment/ns/b: b says Unknown',
    ],
    [
      'InProgress beats Unknown',
      [item('a', 'Unknown'), item('b', 'InProgress')],
      'InProgress',
      'Deployment/ns/b: b says InProgress; Deployment/ns/a: a says Unknown',
    ],
    [
      'Failed beats InProgress and is listed first',
      [item('a', 'InProgress'), item('b', 'Failed'), item('c', 'Current')],
      'Failed',
      'Deployment/ns/b: b says Failed; Deployment/ns/a: a says InProgress',
    ],
    [
      'more than three are summarised',
      ['a', 'b', 'c', 'd', 'e'].map((n) => item(n, 'InProgress', 'waiting')),
      'InProgress',
      'Deployment/ns/a: waiting; Deployment/ns/b: waiting; Deployment/ns/c: waiting; +2 more',
    ],
  ])('%s', (_name, items, status, message) => {
    const result = aggregateHealth(items);
    expect(result.status).toBe(status);
    expect(result.message).toBe(message);
  });

  it('groups the objects that are not current', () => {
    const result = aggregateHealth([
      item('a', 'Failed'),
      item('b', 'InProgress'),
      item('c', 'Unknown'),
      item('d', 'Current'),
    ]);
    expect(result.failed.map((i) => i.ref.name)).toEqual(['a']);
    expect(result.inProgress.map((i) => i.ref.name)).toEqual(['b']);
    expect(result.unknown.map((i) => i.ref.name)).toEqual(['c']);
  });
});
