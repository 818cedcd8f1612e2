// Which live objects a GitSync owns: the ownership labels it writes on everything it applies.
// Prune deletes only what is still labelled as this GitSync's.
import type { GitSync } from '../../api/gitops.js';
import {
  GitOpsAnnotation,
  GitOpsAnnotationValue,
  GitOpsLabel,
} from '../../api/gitops-conditions.js';

type LiveMeta = {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
};

/** True when the live object carries this GitSync's ownership labels. */
export function ownedBy(gs: GitSync, live: unknown): boolean {
  const labels = (live as LiveMeta | undefined)?.metadata?.labels;
  return (
    labels?.[GitOpsLabel.name] === gs.metadata.name &&
    labels[GitOpsLabel.namespace] === gs.metadata.namespace
  );
}

/**
 * Objects prune must leave: marked `ramp.dev/prune: disabled`, or no longer labelled as this
 * GitSync's (another GitSync took the manifest over, or a person relabelled it).
 */
export function keptFromPrune(gs: GitSync, live: unknown): boolean {
  if (live === undefined) return false;
  const annotations = (live as LiveMeta).metadata?.annotations;
  return (
    annotations?.[GitOpsAnnotation.prune] === GitOpsAnnotationValue.disabled || !ownedBy(gs, live)
  );
}
