// What a GitOps spec gets wrong that the CRD schema cannot catch: zero durations, bad sync
// windows, dependency cycles, and references the controller's tenancy rules forbid. Pure.
import type { GitRepositorySpec, GitSync } from '../../api/gitops.js';
import { parseGoDuration } from '../durations.js';
import { dependencyCycle, type GitSyncLookup } from './dependencies.js';
import { validateSyncWindows } from './sync-windows.js';

/** Controller-wide rules that limit what a GitSync may refer to. */
export interface TenancyRules {
  readonly noCrossNamespaceRefs?: boolean | undefined;
}

/** One message per named duration that is not a positive Go duration (absent ones are fine). */
export function durationErrors(
  spec: Partial<Record<string, unknown>>,
  fields: readonly string[],
): string[] {
  return fields
    .filter((field) => typeof spec[field] === 'string')
    .filter((field) => !(parseGoDuration(spec[field] as string) > 0))
    .map(
      (field) =>
        `${field}: expected a duration of more than 0 such as "5m", not "${spec[field] as string}"`,
    );
}

/** References to other namespaces, when the controller forbids them. */
export function crossNamespaceErrors(gs: GitSync, rules: TenancyRules): string[] {
  if (!rules.noCrossNamespaceRefs) return [];
  const own = gs.metadata.namespace;
  const refs = [
    ['sourceRef', gs.spec.sourceRef.namespace],
    ...(gs.spec.dependsOn ?? []).map((d) => [`dependsOn ${d.name}`, d.namespace]),
  ];
  return refs
    .filter(([, ns]) => ns !== undefined && ns !== own)
    .map(([what, ns]) => `${what}: namespace "${ns}" refused (cross-namespace references are off)`);
}

/** Every problem of a GitSync's spec (empty when it can work). */
export function gitSyncSpecErrors(
  gs: GitSync,
  lookup: GitSyncLookup,
  rules: TenancyRules = {},
): string[] {
  const cycle = dependencyCycle(
    {
      namespace: gs.metadata.namespace,
      name: gs.metadata.name,
      dependsOn: gs.spec.dependsOn ?? [],
    },
    lookup,
  );
  return [
    ...validateSyncWindows(gs.spec.syncWindows ?? []),
    ...crossNamespaceErrors(gs, rules),
    ...durationErrors(gs.spec, ['interval', 'retryInterval', 'timeout']),
    ...(cycle ? [cycle] : []),
  ];
}

/** The first problem of a GitRepository's spec: a zero interval would spin, a zero timeout fail. */
export function gitRepositorySpecProblem(spec: GitRepositorySpec): string | undefined {
  return durationErrors(spec, ['interval', 'timeout'])[0];
}
