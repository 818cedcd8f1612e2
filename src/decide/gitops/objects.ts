// The shapes GitOps code passes around: a rendered manifest, and an object's identity. Pure.
import type { InventoryEntry } from '../../api/gitops.js';

/** A Kubernetes object as rendered from Git (plain JSON, nothing defaulted). */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** An object's identity: what the inventory records and what prune deletes. */
export type ObjectRef = InventoryEntry;

/** The API group of an apiVersion ("" for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The identity of a manifest. */
export function refOf(obj: ManifestObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

/**
 * A stable key of an object's identity that ignores the version (an object moved from v1beta1
 * to v1 in Git is the same object, not one to prune and one to create).
 */
export function objectKey(ref: ObjectRef): string {
  return `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** How an object is named in messages: Kind/namespace/name. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}
