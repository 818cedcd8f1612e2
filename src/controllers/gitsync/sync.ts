// The sync phase of a GitSync pass, a straight line of named steps: render the checkout, apply
// (or only check) every object, prune what left Git, read health. Each step's failure becomes an
// outcome with its reason; nothing here decides what status says.
import type { GitSync } from '../../api/gitops.js';
import { GitOpsLabel, GitOpsReason as R } from '../../api/gitops-conditions.js';
import { goDurationMs } from '../../decide/durations.js';
import { aggregateHealth, objectHealth } from '../../decide/gitops/health.js';
import {
  describeRef,
  objectKey,
  type ManifestObject,
  type ObjectRef,
} from '../../decide/gitops/objects.js';
import { nextInventory, planPrune } from '../../decide/gitops/prune.js';
import { keptFromPrune, ownedBy } from '../../decide/gitops/ownership.js';
import type {
  ApplySummary,
  HealthSummary,
  PruneSummary,
  SyncResult,
} from '../../decide/gitops/sync-status.js';
import {
  applyObjects,
  deleteObjects,
  readObjects,
  type ApplyReport,
} from '../../gitops/apply/index.js';
import { RenderError, renderManifests, type KustomizeCommand } from '../../gitops/render/index.js';
import type { DynamicClient } from '../../kube/dynamic.js';

/** What the sync phase needs from its surroundings. */
export interface SyncDeps {
  readonly client: DynamicClient;
  readonly kustomize: KustomizeCommand;
  /** The repository checkout of the revision to sync. */
  readonly checkoutDir: string;
}

/** A step that failed, with the reason Ready will carry. */
export interface SyncFailure {
  readonly failed: true;
  readonly reason: string;
  readonly message: string;
  /** The inventory to keep (objects applied before the failure are added to it). */
  readonly inventory: readonly ObjectRef[];
}

/** Renders the GitSync's path of the checkout. */
async function render(
  gs: GitSync,
  deps: SyncDeps,
): Promise<ManifestObject[] | { message: string }> {
  try {
    return await renderManifests({
      root: deps.checkoutDir,
      path: gs.spec.path,
      timeoutMs: goDurationMs(gs.spec.timeout),
      kustomize: deps.kustomize,
      immutableRoot: true,
    });
  } catch (err) {
    if (err instanceof RenderError) return { message: `render failed: ${err.message}` };
    throw err;
  }
}

/** Applies (or, in detect mode, checks) the rendered objects. */
async function apply(
  gs: GitSync,
  deps: SyncDeps,
  objects: ManifestObject[],
  mode: 'apply' | 'detect',
): Promise<ApplyReport> {
  return applyObjects(deps.client, objects, {
    mode,
    labels: {
      [GitOpsLabel.name]: gs.metadata.name,
      [GitOpsLabel.namespace]: gs.metadata.namespace,
    },
    namespace: {
      default: gs.metadata.namespace,
      ...(gs.spec.targetNamespace ? { override: gs.spec.targetNamespace } : {}),
    },
    timeoutMs: goDurationMs(gs.spec.timeout),
  });
}

function summarize(report: ApplyReport): ApplySummary {
  const count = (action: string): number =>
    report.results.filter((r) => r.action === action).length;
  return {
    created: count('created'),
    configured: count('configured'),
    unchanged: count('unchanged'),
    skipped: count('skipped'),
    failed: count('failed'),
    drifted: report.results
      .filter((r) => r.action === 'drifted' || r.action === 'missing')
      .map((r) => r.ref),
    failures: report.results
      .filter((r) => r.action === 'failed')
      .map((r) => `${describeRef(r.ref)}: ${r.message ?? 'failed'}`),
  };
}

/** What prune did, plus the objects that could not be deleted (they stay in the inventory). */
type PruneOutcome = PruneSummary & { readonly notDeleted: readonly ObjectRef[] };

/** Deletion tiers: workloads and the rest, then Namespaces, then CRDs (their objects go first). */
function deletionTier(ref: ObjectRef): number {
  if (ref.kind === 'CustomResourceDefinition') return 2;
  return ref.kind === 'Namespace' ? 1 : 0;
}

async function deleteInTiers(client: DynamicClient, refs: readonly ObjectRef[]) {
  const results = [];
  for (const tier of [0, 1, 2]) {
    const batch = refs.filter((r) => deletionTier(r) === tier);
    if (batch.length) results.push(...(await deleteObjects(client, batch)));
  }
  return results;
}

/** Deletes what left Git, unless prune is off or the render cannot be trusted to be complete. */
async function prune(
  gs: GitSync,
  deps: SyncDeps,
  current: readonly ObjectRef[],
): Promise<PruneOutcome> {
  const previous = gs.status?.inventory ?? [];
  const candidates = previous.filter((p) => !current.some((c) => objectKey(c) === objectKey(p)));
  const live =
    gs.spec.prune && candidates.length ? await readObjects(deps.client, candidates) : new Map();
  const plan = planPrune({
    previous,
    current: [...current],
    prune: gs.spec.prune,
    allowEmpty: gs.spec.allowEmpty === true,
    renderOk: true,
    sourceOk: true,
    keep: (ref) => keptFromPrune(gs, live.get(objectKey(ref))),
  });
  if (plan.refused || plan.delete.length === 0)
    return { deleted: [], failures: [], refused: plan.refused, notDeleted: [] };
  const results = await deleteInTiers(deps.client, plan.delete);
  const failed = results.filter((r) => !r.deleted);
  return {
    deleted: results.filter((r) => r.deleted).map((r) => r.ref),
    failures: failed.map((r) => `${describeRef(r.ref)}: ${r.message ?? 'not deleted'}`),
    notDeleted: failed.map((r) => r.ref),
  };
}

/** The health of the applied objects, from what the apply returned (no extra reads). */
export function healthOf(
  objects: Iterable<[ObjectRef, Record<string, unknown> | undefined]>,
): HealthSummary {
  const items = [...objects].map(([ref, live]) => ({
    ref,
    health: live ? objectHealth(live) : { status: 'InProgress' as const, message: 'not found' },
  }));
  const aggregate = aggregateHealth(items);
  return { status: aggregate.status, message: aggregate.message };
}

/** Reads the inventory's objects and aggregates their health (a health-only pass). */
export async function readHealth(
  client: DynamicClient,
  inventory: readonly ObjectRef[],
): Promise<HealthSummary> {
  const live = await readObjects(client, [...inventory]);
  return healthOf(inventory.map((ref) => [ref, live.get(objectKey(ref))]));
}

/** Runs render → apply → prune → health for one revision. */
export async function runSync(
  gs: GitSync,
  deps: SyncDeps,
  target: { mode: 'apply' | 'detect'; revision: string; digest: string; startedAt: Date },
): Promise<Omit<SyncResult, 'requestedAt'> | SyncFailure> {
  const previous = gs.status?.inventory ?? [];
  const rendered = await render(gs, deps);
  if (!Array.isArray(rendered))
    return { failed: true, reason: R.BuildFailed, message: rendered.message, inventory: previous };
  const report = await apply(gs, deps, rendered, target.mode);
  const summary = summarize(report);
  const applied = report.results.filter((r) => r.action !== 'failed').map((r) => r.ref);
  if (summary.failed > 0)
    return {
      failed: true,
      reason: R.ApplyFailed,
      message: `apply failed for ${summary.failed} object(s): ${summary.failures.slice(0, 3).join('; ')}`,
      inventory: nextInventory(previous, applied, previous),
    };
  // Skipped objects ramp never labelled are not its to track (or to prune later).
  const tracked = report.results.filter((r) => r.action !== 'skipped' || ownedBy(gs, r.live));
  const current = tracked.map((r) => r.ref);
  if (target.mode === 'detect') {
    const inventory = nextInventory(previous, current, previous);
    const health = healthOf(tracked.map((r) => [r.ref, r.live]));
    return { ...target, inventory, apply: summary, prune: { deleted: [], failures: [] }, health };
  }
  const pruned = await prune(gs, deps, current);
  // What left Git and was not deleted (prune off, kept by annotation) leaves the inventory;
  // only objects whose delete failed stay, to be tried again.
  const inventory = nextInventory(previous, current, pruned.notDeleted);
  const health = healthOf(
    report.results.filter((r) => r.action !== 'skipped').map((r) => [r.ref, r.live]),
  );
  // An empty render must not silently take everything down: it is an error until allowEmpty.
  if (pruned.refused)
    return { failed: true, reason: R.PruneRefused, message: pruned.refused, inventory: previous };
  if (pruned.failures.length > 0)
    return {
      failed: true,
      reason: R.PruneFailed,
      message: `prune failed: ${pruned.failures.slice(0, 3).join('; ')}`,
      inventory,
    };
  return { ...target, inventory, apply: summary, prune: pruned, health };
}
