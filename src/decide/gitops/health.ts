// Health of the live objects a GitSync applied, in kstatus terms (Current / InProgress / Failed /
// Unknown) so the vocabulary matches what Flux users read. Pure: the controller reads the objects,
// this judges them. Hand-written because kstatus is Go-only; the rules follow kstatus and
// `kubectl rollout status`, plus Argo Rollouts (whose status.observedGeneration is a string).
import { describeRef, groupOf, type ObjectRef } from './objects.js';

/** kstatus-like health of one object. */
export type HealthStatus = 'Current' | 'InProgress' | 'Failed' | 'Unknown';

/** An object's health and the human reason for it. */
export interface ObjectHealth {
  status: HealthStatus;
  message: string;
}

/** One object's health, as aggregateHealth takes it. */
export interface HealthItem {
  ref: ObjectRef;
  health: ObjectHealth;
}

/** The health of a set of objects. */
export interface AggregateHealth {
  status: HealthStatus;
  message: string;
  failed: HealthItem[];
  inProgress: HealthItem[];
  unknown: HealthItem[];
}

type Obj = Record<string, unknown>;
type Condition = { type: string; status: string; reason: string; message: string; gen?: number };

const current = (message: string): ObjectHealth => ({ status: 'Current', message });
const inProgress = (message: string): ObjectHealth => ({ status: 'InProgress', message });
const failed = (message: string): ObjectHealth => ({ status: 'Failed', message });

function rec(value: unknown): Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function conditionsOf(status: Obj): Condition[] {
  const list = Array.isArray(status.conditions) ? (status.conditions as unknown[]) : [];
  return list.map((raw) => {
    const c = rec(raw);
    const gen = num(c.observedGeneration);
    return {
      type: str(c.type) ?? '',
      status: str(c.status) ?? '',
      reason: str(c.reason) ?? '',
      message: str(c.message) ?? '',
      ...(gen === undefined ? {} : { gen }),
    };
  });
}

function condition(status: Obj, type: string): Condition | undefined {
  return conditionsOf(status).find((c) => c.type === type);
}

function isTrue(c: Condition | undefined): boolean {
  return c?.status === 'True';
}

/** The condition's message, or its reason when it has no message. */
function said(c: Condition): string {
  return c.message || c.reason || `${c.type} is ${c.status}`;
}

/** Parts every object shares: metadata, spec, status and the generation facts. */
interface Parts {
  kind: string;
  group: string;
  meta: Obj;
  spec: Obj;
  status: Obj;
  generation?: number;
}

function partsOf(obj: Obj): Parts {
  const meta = rec(obj.metadata);
  const generation = num(meta.generation);
  return {
    kind: str(obj.kind) ?? '',
    group: groupOf(str(obj.apiVersion) ?? ''),
    meta,
    spec: rec(obj.spec),
    status: rec(obj.status),
    ...(generation === undefined ? {} : { generation }),
  };
}

/** Being deleted, or a spec change the object's controller has not seen yet. */
function commonHealth(p: Parts): ObjectHealth | undefined {
  if (p.meta.deletionTimestamp) return inProgress('being deleted');
  const observed = num(p.status.observedGeneration);
  if (observed !== undefined && p.generation !== undefined && observed < p.generation)
    return inProgress(
      `${p.kind} generation is ${p.generation}, but latest observed generation is ${observed}`,
    );
  return undefined;
}

const replicasOf = (p: Parts): number => num(p.spec.replicas) ?? 1;
const count = (p: Parts, field: string): number => num(p.status[field]) ?? 0;
const waiting = (detail: string): ObjectHealth =>
  inProgress(`Waiting for rollout to finish: ${detail}`);

function deploymentHealth(p: Parts): ObjectHealth {
  const progressing = condition(p.status, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return failed(said(progressing));
  const want = replicasOf(p);
  const updated = count(p, 'updatedReplicas');
  const replicas = count(p, 'replicas');
  const available = count(p, 'availableReplicas');
  if (updated < want) return waiting(`${updated} out of ${want} new replicas have been updated`);
  if (replicas > updated)
    return waiting(`${replicas - updated} old replicas are pending termination`);
  if (available < updated)
    return waiting(`${available} of ${updated} updated replicas are available`);
  return current(`Deployment is available: ${available} replicas`);
}

function statefulSetHealth(p: Parts): ObjectHealth {
  const want = replicasOf(p);
  const ready = count(p, 'readyReplicas');
  if (ready < want) return waiting(`${ready} of ${want} replicas are ready`);
  const strategy = rec(p.spec.updateStrategy);
  if (strategy.type === 'OnDelete') return current(`StatefulSet is ready: ${ready} replicas`);
  const partition = num(rec(strategy.rollingUpdate).partition) ?? 0;
  const updated = count(p, 'updatedReplicas');
  if (partition > 0) {
    const target = Math.max(want - partition, 0);
    if (updated < target) return waiting(`${updated} of ${target} partitioned replicas updated`);
    return current(`Partitioned rollout complete: ${updated} of ${target} replicas updated`);
  }
  if (updated < want) return waiting(`${updated} out of ${want} new replicas have been updated`);
  const currentReplicas = count(p, 'currentReplicas');
  if (currentReplicas < want) return waiting(`${currentReplicas} of ${want} replicas are current`);
  if (str(p.status.currentRevision) !== str(p.status.updateRevision))
    return waiting('the update revision is not the current revision yet');
  return current(`StatefulSet is ready: ${ready} replicas`);
}

function daemonSetHealth(p: Parts): ObjectHealth {
  const desired = num(p.status.desiredNumberScheduled);
  if (desired === undefined) return inProgress('DaemonSet has not been scheduled yet');
  const updated = count(p, 'updatedNumberScheduled');
  const available = count(p, 'numberAvailable');
  const ready = count(p, 'numberReady');
  if (updated < desired) return waiting(`${updated} out of ${desired} new pods have been updated`);
  if (available < desired) return waiting(`${available} of ${desired} updated pods are available`);
  if (ready < desired) return waiting(`${ready} of ${desired} pods are ready`);
  return current(`DaemonSet is available: ${desired} pods`);
}

function jobHealth(p: Parts): ObjectHealth {
  const failedCondition = condition(p.status, 'Failed');
  if (failedCondition?.status === 'True') return failed(`Job failed: ${said(failedCondition)}`);
  if (isTrue(condition(p.status, 'Complete'))) return current('Job completed');
  if (p.spec.suspend === true) return current('Job is suspended');
  const active = count(p, 'active');
  const succeeded = count(p, 'succeeded');
  return inProgress(`Job is running: ${active} active, ${succeeded} succeeded`);
}

function serviceHealth(p: Parts): ObjectHealth {
  if (p.spec.type !== 'LoadBalancer') return current('Service is ready');
  const ingress = rec(p.status.loadBalancer).ingress;
  if (Array.isArray(ingress) && ingress.length > 0) return current('Load balancer is ready');
  return inProgress('Waiting for the load balancer to get an address');
}

function podHealth(p: Parts): ObjectHealth {
  const phase = str(p.status.phase) ?? 'Pending';
  if (phase === 'Succeeded') return current('Pod succeeded');
  if (phase === 'Failed')
    return failed(`Pod failed: ${str(p.status.message) ?? str(p.status.reason) ?? 'no reason'}`);
  if (phase === 'Running' && isTrue(condition(p.status, 'Ready'))) return current('Pod is ready');
  const ready = condition(p.status, 'Ready');
  return inProgress(`Pod is ${phase.toLowerCase()}${ready?.message ? `: ${ready.message}` : ''}`);
}

function pvcHealth(p: Parts): ObjectHealth {
  const phase = str(p.status.phase) ?? 'Pending';
  if (phase === 'Bound') return current('PersistentVolumeClaim is bound');
  if (phase === 'Lost') return failed('PersistentVolumeClaim lost its volume');
  return inProgress(`PersistentVolumeClaim is ${phase}`);
}

function namespaceHealth(p: Parts): ObjectHealth {
  return p.status.phase === 'Terminating'
    ? inProgress('Namespace is terminating')
    : current('Namespace is active');
}

function crdHealth(p: Parts): ObjectHealth {
  const names = condition(p.status, 'NamesAccepted');
  if (names?.status === 'False') return failed(`names not accepted: ${said(names)}`);
  if (isTrue(condition(p.status, 'Established'))) return current('CRD is established');
  return inProgress('CRD is not established yet');
}

/** Argo Rollout's status.observedGeneration is a string; old Argo versions wrote a spec hash. */
function rolloutObserved(p: Parts): ObjectHealth | undefined {
  const observed = str(p.status.observedGeneration);
  if (observed === undefined) return inProgress('Rollout status not observed yet');
  const number = Number(observed);
  // A non-numeric value is an old-style hash: it cannot be compared, so phase decides.
  if (observed === '' || !Number.isInteger(number) || p.generation === undefined) return undefined;
  if (number < p.generation)
    return inProgress(
      `Rollout generation is ${p.generation}, but latest observed generation is ${number}`,
    );
  return undefined;
}

function rolloutFailure(p: Parts): ObjectHealth | undefined {
  const hash = str(p.status.currentPodHash);
  const at = hash ? ` at revision ${hash}` : '';
  const message = str(p.status.message) ?? '';
  const detail = message ? `: ${message}` : '';
  if (p.status.abort === true) return failed(`Rollout aborted${at}${detail}`);
  if (p.status.phase === 'Degraded') return failed(`Rollout degraded${at}${detail}`);
  return undefined;
}

const rolloutPaused = (message: string): ObjectHealth =>
  inProgress(`Paused: ${message || 'Rollout is paused'}`);

const rolloutPhases: Readonly<Record<string, (message: string) => ObjectHealth>> = {
  Paused: rolloutPaused,
  Progressing: (message) => inProgress(`Progressing: ${message || 'Rollout is progressing'}`),
  Healthy: (message) => current(message || 'Rollout is healthy'),
};

function rolloutHealth(p: Parts): ObjectHealth {
  const early = rolloutObserved(p) ?? rolloutFailure(p);
  if (early) return early;
  const phase = str(p.status.phase);
  const message = str(p.status.message) ?? '';
  // A paused canary waits for a promotion: progressing, not done.
  if (p.spec.paused === true) return rolloutPaused(message);
  if (phase === undefined) return inProgress('Rollout has no phase yet');
  const judge = rolloutPhases[phase];
  return judge
    ? judge(message)
    : { status: 'Unknown', message: `Rollout phase ${phase} is not known` };
}

/** A Ready condition written for an older generation says nothing about the current spec. */
function staleReady(ready: Condition, p: Parts): ObjectHealth | undefined {
  if (ready.gen === undefined || p.generation === undefined || ready.gen >= p.generation)
    return undefined;
  return inProgress(`Ready condition is for generation ${ready.gen}, not ${p.generation}`);
}

/** Flux and kstatus conventions: Stalled fails, Reconciling progresses, Ready decides. */
function genericHealth(p: Parts): ObjectHealth {
  const stalled = condition(p.status, 'Stalled');
  if (stalled?.status === 'True') return failed(said(stalled));
  const reconciling = condition(p.status, 'Reconciling');
  if (reconciling?.status === 'True') return inProgress(said(reconciling));
  const ready = condition(p.status, 'Ready');
  if (!ready) return current('Resource is current');
  const stale = staleReady(ready, p);
  if (stale) return stale;
  if (isTrue(ready)) return current(ready.message || 'Resource is ready');
  return inProgress(said(ready));
}

const byKind: Readonly<Record<string, (p: Parts) => ObjectHealth>> = {
  'apps/Deployment': deploymentHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'batch/Job': jobHealth,
  '/Service': serviceHealth,
  '/Pod': podHealth,
  '/PersistentVolumeClaim': pvcHealth,
  '/Namespace': namespaceHealth,
  'apiextensions.k8s.io/CustomResourceDefinition': crdHealth,
  'argoproj.io/Rollout': rolloutHealth,
};

/** The kstatus-like health of a live object. */
export function objectHealth(obj: Record<string, unknown>): ObjectHealth {
  const p = partsOf(obj);
  if (!p.kind) return { status: 'Unknown', message: 'object has no kind' };
  const common = commonHealth(p);
  if (common) return common;
  const judge = byKind[`${p.group}/${p.kind}`] ?? genericHealth;
  return judge(p);
}

/** True when the object failed: a health wait need not wait any longer. */
export function isTerminalFailure(health: ObjectHealth): boolean {
  return health.status === 'Failed';
}

const shownObjects = 3;

/** The health of a set of objects: Failed beats InProgress beats Unknown beats Current. */
export function aggregateHealth(items: readonly HealthItem[]): AggregateHealth {
  const failedItems = items.filter((i) => i.health.status === 'Failed');
  const progressing = items.filter((i) => i.health.status === 'InProgress');
  const unknown = items.filter((i) => i.health.status === 'Unknown');
  const status: HealthStatus =
    failedItems.length > 0
      ? 'Failed'
      : progressing.length > 0
        ? 'InProgress'
        : unknown.length > 0
          ? 'Unknown'
          : 'Current';
  const notCurrent = [...failedItems, ...progressing, ...unknown];
  return {
    status,
    message: notCurrent.length > 0 ? listed(notCurrent) : healthyMessage(items.length),
    failed: failedItems,
    inProgress: progressing,
    unknown,
  };
}

function healthyMessage(total: number): string {
  if (total === 0) return 'no objects to check';
  return total === 1 ? '1 object is healthy' : `all ${total} objects are healthy`;
}

function listed(items: readonly HealthItem[]): string {
  const shown = items
    .slice(0, shownObjects)
    .map((i) => `${describeRef(i.ref)}: ${i.health.message}`)
    .join('; ');
  const more = items.length - shownObjects;
  return more > 0 ? `${shown}; +${more} more` : shown;
}
