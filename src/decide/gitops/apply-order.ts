// The plan of one apply: which objects go first, in which order the rest start, where each one
// lands (namespace, ownership labels), which ones to leave alone, and when a first-stage object is
// ready for the objects that depend on it. Pure.
import { GitOpsAnnotation, GitOpsAnnotationValue } from '../../api/gitops-conditions.js';
import {
  describeRef,
  groupOf,
  objectKey,
  refOf,
  type ManifestObject,
  type ObjectRef,
} from './objects.js';

/** Why an object was left alone (ObjectResult.message of a skipped object). */
export const SkipMessage = {
  reconcileDisabled: `${GitOpsAnnotation.reconcile}: ${GitOpsAnnotationValue.disabled}`,
  createOnly: `exists and ${GitOpsAnnotation.ssa}: ${GitOpsAnnotationValue.ifNotPresent} creates it only once`,
} as const;

/**
 * Start order of the second stage, after Helm's install order: what workloads reference
 * (accounts, RBAC, configuration, Services) before the workloads; webhook configurations last so a
 * webhook whose Service is not up yet cannot reject the objects of the same apply.
 */
const kindOrder = [
  'PriorityClass',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];
/** Kinds not listed above (custom resources) start after the built-in ones, before webhooks. */
const lateKinds = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

const crdApiGroup = 'apiextensions.k8s.io';

/** True for a CustomResourceDefinition. */
export function isCrd(obj: { apiVersion: string; kind: string }): boolean {
  return obj.kind === 'CustomResourceDefinition' && groupOf(obj.apiVersion) === crdApiGroup;
}

/** True for a Namespace. */
export function isNamespace(obj: { apiVersion: string; kind: string }): boolean {
  return obj.kind === 'Namespace' && obj.apiVersion === 'v1';
}

/** CRDs and Namespaces first (other objects need their kinds and homes), the rest by kind. */
export function applyStages(objects: readonly ManifestObject[]): {
  first: ManifestObject[];
  rest: ManifestObject[];
} {
  const first = objects.filter((o) => isCrd(o) || isNamespace(o));
  // Array.prototype.sort is stable, so objects of one kind keep their order in Git.
  const rest = objects.filter((o) => !first.includes(o)).sort((a, b) => kindRank(a) - kindRank(b));
  return { first: [...first].sort((a, b) => Number(isCrd(b)) - Number(isCrd(a))), rest };
}

function kindRank(obj: ManifestObject): number {
  const known = kindOrder.indexOf(obj.kind);
  if (known >= 0) return known;
  const late = lateKinds.indexOf(obj.kind);
  return late >= 0 ? kindOrder.length + 1 + late : kindOrder.length;
}

/**
 * Objects rendered more than once (same group, kind, namespace and name), one entry each with the
 * positions of its copies. With `namespace`, an object without one counts as being in the default
 * namespace (and `override` puts every object in one), as it will be when applied.
 */
export function duplicateObjects(
  objects: readonly ManifestObject[],
  namespace?: Placement['namespace'],
): { ref: ObjectRef; indexes: number[]; message: string }[] {
  const copies = new Map<string, { ref: ObjectRef; indexes: number[] }>();
  objects.forEach((obj, index) => {
    const ref = refOf(obj);
    const ns = namespace
      ? (namespace.override ?? ref.namespace ?? namespace.default)
      : ref.namespace;
    // Named as rendered (a cluster-scoped kind has no default namespace), keyed as applied.
    const key = objectKey(ns ? { ...ref, namespace: ns } : ref);
    const seen = copies.get(key) ?? { ref, indexes: [] };
    seen.indexes.push(index);
    copies.set(key, seen);
  });
  return [...copies.values()]
    .filter((c) => c.indexes.length > 1)
    .map(({ ref, indexes }) => ({
      ref,
      indexes,
      message: `${describeRef(ref)} is rendered ${indexes.length} times; each object may appear only once`,
    }));
}

/** Where an object lands and who owns it. */
export interface Placement {
  /** Whether the kind lives in namespaces (from discovery). */
  namespaced: boolean;
  /** Ownership labels put on every object. */
  labels: Record<string, string>;
  /** Namespace of namespaced objects without one; `override` replaces every namespace. */
  namespace: { default: string; override?: string | undefined };
}

/** The object as it is applied: its namespace settled and the ownership labels added. */
export function placeObject(obj: ManifestObject, placement: Placement): ManifestObject {
  const { namespace: _ns, ...metadata } = obj.metadata;
  const namespace =
    placement.namespace.override ?? obj.metadata.namespace ?? placement.namespace.default;
  return {
    ...obj,
    metadata: {
      ...metadata,
      // Cluster-scoped objects carry no namespace, whatever the manifest says.
      ...(placement.namespaced ? { namespace } : {}),
      labels: { ...obj.metadata.labels, ...placement.labels },
    },
  };
}

/** Why an object is left alone, or undefined to apply it. */
export function skipReason(
  manifest: ManifestObject,
  live: { metadata?: { annotations?: Record<string, string> } } | undefined,
): string | undefined {
  const disabled = (annotations: Record<string, string> | undefined): boolean =>
    annotations?.[GitOpsAnnotation.reconcile] === GitOpsAnnotationValue.disabled;
  if (disabled(manifest.metadata.annotations) || disabled(live?.metadata?.annotations))
    return SkipMessage.reconcileDisabled;
  const createOnly =
    manifest.metadata.annotations?.[GitOpsAnnotation.ssa] === GitOpsAnnotationValue.ifNotPresent;
  return createOnly && live ? SkipMessage.createOnly : undefined;
}

/** The apiVersions and kind a CRD serves. */
export function crdServes(crd: ManifestObject): { apiVersions: string[]; kind: string } {
  const spec = (crd.spec ?? {}) as {
    group?: string;
    names?: { kind?: string };
    versions?: { name?: string; served?: boolean }[];
  };
  const served = (spec.versions ?? []).filter((v) => v.served !== false && v.name);
  return {
    apiVersions: served.map((v) => `${spec.group ?? ''}/${v.name ?? ''}`),
    kind: spec.names?.kind ?? '',
  };
}

/** True when one of the CRDs among `objects` serves this kind (its objects are merely pending). */
export function definedInBatch(
  objects: readonly ManifestObject[],
  ref: { apiVersion: string; kind: string },
): boolean {
  return objects.some((o) => {
    if (!isCrd(o)) return false;
    const serves = crdServes(o);
    return serves.kind === ref.kind && serves.apiVersions.includes(ref.apiVersion);
  });
}

interface Condition {
  type?: string;
  status?: string;
  message?: string;
}

/** Whether a live CRD is Established; if not, the message of the condition holding it back. */
export function crdEstablished(live: Record<string, unknown> | undefined): {
  established: boolean;
  message?: string;
} {
  const conditions = (live?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Established' && c.status === 'True'))
    return { established: true };
  const blocking = conditions.find((c) => c.status === 'False' && c.message);
  return blocking?.message
    ? { established: false, message: blocking.message }
    : { established: false };
}

/** The phase of a live Namespace ('' until the API server has set one). */
export function namespacePhase(live: Record<string, unknown> | undefined): string {
  return (live?.status as { phase?: string } | undefined)?.phase ?? '';
}
