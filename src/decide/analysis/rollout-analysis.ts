// The AnalysisRuns a Rollout starts (an analysis step, background analysis, blue-green pre/post
// promotion), built purely from the Rollout, its templates and the hashes in play, with Argo's
// names and labels so `kubectl argo rollouts get` shows them where it expects them.
import type { AnalysisRun, AnalysisTemplate, Argument, Metric } from '../../api/analysis.js';
import type { Rollout } from '../../api/rollout.js';
import type { AnalysisVerdict } from '../../machines/bluegreen.js';
import { podTemplateHashLabel } from '../hash.js';
import { prepareMetrics } from './run.js';

/** Why a Rollout runs an analysis (Argo's `rollout-type` label values). */
export type AnalysisKind = 'Step' | 'Background' | 'PrePromotion' | 'PostPromotion';

/** Argo's labels on a Rollout's AnalysisRuns. */
export const AnalysisLabel = {
  type: 'rollout-type',
  stepIndex: 'step-index',
} as const;

/** How a Rollout asks for an analysis (step, background, pre/post promotion share this shape). */
export interface RolloutAnalysisRequest {
  readonly templates?: readonly { templateName?: string; clusterScope?: boolean }[] | undefined;
  readonly args?:
    | readonly {
        name: string;
        value?: string;
        valueFrom?: { podTemplateHashValue?: string; fieldRef?: { fieldPath: string } };
      }[]
    | undefined;
  readonly dryRun?: readonly { metricName: string }[] | undefined;
  readonly measurementRetention?: readonly { metricName: string; limit: number }[] | undefined;
  readonly analysisRunMetadata?:
    { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
}

/** What a run is built from. */
export interface RunInput {
  readonly rollout: Rollout;
  readonly kind: AnalysisKind;
  readonly request: RolloutAnalysisRequest;
  /** Looks up a template: namespaced by default, cluster-scoped with clusterScope. */
  readonly template: (name: string, clusterScope: boolean) => AnalysisTemplate | undefined;
  readonly podHash: string;
  readonly stableHash: string;
  readonly revision: number;
  readonly stepIndex?: number | undefined;
  /** Runs of this Rollout that already exist (their names are not reused). */
  readonly existingNames: readonly string[];
}

/** Argo's name for a run; a retry gets the next free `.N` suffix. */
export function runName(input: RunInput): string {
  const base = `${input.rollout.metadata.name}-${input.podHash}-${input.revision}`;
  const suffix: Record<AnalysisKind, string> = {
    Step: `-${input.stepIndex ?? 0}`,
    Background: '',
    PrePromotion: '-pre',
    PostPromotion: '-post',
  };
  const name = base + suffix[input.kind];
  if (!input.existingNames.includes(name)) return name;
  for (let n = 2; ; n++) if (!input.existingNames.includes(`${name}.${n}`)) return `${name}.${n}`;
}

/** Metrics, args, dry-run and retention gathered from templates, nested ones included. */
interface Gathered {
  metrics: Metric[];
  args: Argument[];
  dryRun: { metricName: string }[];
  measurementRetention: { metricName: string; limit: number }[];
}

function gather(input: RunInput): { ok: true; gathered: Gathered } | { ok: false; error: string } {
  const out: Gathered = { metrics: [], args: [], dryRun: [], measurementRetention: [] };
  const error = visitTemplates(input, input.request.templates, { out, seen: new Set(), depth: 0 });
  return error ? { ok: false, error } : { ok: true, gathered: out };
}

function templateKind(clusterScope: boolean | undefined): string {
  return clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
}

/** Adds each referenced template (nested ones first); returns the first problem. */
function visitTemplates(
  input: RunInput,
  refs: RolloutAnalysisRequest['templates'],
  walk: { out: Gathered; seen: Set<string>; depth: number },
): string | undefined {
  if (walk.depth > 5) return 'templates nest deeper than 5 levels';
  for (const ref of refs ?? []) {
    const name = ref.templateName ?? '';
    const key = `${templateKind(ref.clusterScope)}/${name}`;
    if (walk.seen.has(key)) continue;
    walk.seen.add(key);
    const template = input.template(name, ref.clusterScope === true);
    if (!template) return `${templateKind(ref.clusterScope)} "${name}" not found`;
    const nested = visitTemplates(input, template.spec.templates, {
      ...walk,
      depth: walk.depth + 1,
    });
    if (nested) return nested;
    addTemplate(walk.out, template);
  }
  return undefined;
}

function addTemplate(out: Gathered, template: AnalysisTemplate): void {
  out.metrics.push(...(template.spec.metrics ?? []));
  out.args.push(...(template.spec.args ?? []));
  out.dryRun.push(...(template.spec.dryRun ?? []));
  out.measurementRetention.push(...(template.spec.measurementRetention ?? []));
}

function duplicate(names: readonly string[]): string | undefined {
  return names.find((n, i) => names.indexOf(n) !== i);
}

/** The value the Rollout gives an arg (a literal, a pod template hash, or a field of itself). */
function rolloutArgValue(
  input: RunInput,
  arg: NonNullable<RolloutAnalysisRequest['args']>[number],
): string | undefined {
  if (arg.value !== undefined) return arg.value;
  const from = arg.valueFrom;
  if (from?.podTemplateHashValue === 'Stable') return input.stableHash;
  if (from?.podTemplateHashValue === 'Latest') return input.podHash;
  if (from?.fieldRef) return fieldValue(input.rollout, from.fieldRef.fieldPath);
  return undefined;
}

/** A field of the Rollout by a dotted path with optional ['key'] parts (metadata.labels['app']). */
export function fieldValue(rollout: Rollout, path: string): string | undefined {
  const parts = [...path.matchAll(/([^.[\]]+)|\['([^']*)'\]|\["([^"]*)"\]/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? '',
  );
  let value: unknown = rollout;
  for (const part of parts) {
    if (!value || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A template arg taking its value from a field of the Rollout gets it now. */
function fromField(input: RunInput, arg: Argument): Argument {
  const path = arg.valueFrom?.fieldRef?.fieldPath;
  if (arg.value !== undefined || !path) return arg;
  const value = fieldValue(input.rollout, path);
  return value === undefined ? { name: arg.name } : { name: arg.name, value };
}

/** The run's args: template args with the Rollout's values filled in; none may stay unset. */
function resolveArgs(
  input: RunInput,
  templateArgs: readonly Argument[],
): { ok: true; args: Argument[] } | { ok: false; error: string } {
  const byName = new Map<string, Argument>();
  for (const arg of templateArgs)
    if (!byName.has(arg.name)) byName.set(arg.name, fromField(input, arg));
  for (const given of input.request.args ?? []) {
    const value = rolloutArgValue(input, given);
    if (value === undefined)
      return { ok: false, error: `args.${given.name} could not be resolved` };
    byName.set(given.name, { name: given.name, value });
  }
  const unset = [...byName.values()].find((a) => a.value === undefined && !a.valueFrom);
  if (unset) return { ok: false, error: `args.${unset.name} was not given a value` };
  return { ok: true, args: [...byName.values()] };
}

/**
 * Arg values for checking the metrics before the run exists: secret values are not read here, so
 * a stand-in takes their place (they belong in queries and headers, not in conditions).
 */
function checkValues(args: readonly Argument[]): Record<string, string> {
  return Object.fromEntries(args.map((a) => [a.name, a.value ?? '0']));
}

/** The AnalysisRun to create, or why it cannot be built. */
export function buildAnalysisRun(
  input: RunInput,
): { ok: true; run: AnalysisRun } | { ok: false; error: string } {
  const gathered = gather(input);
  if (!gathered.ok) return gathered;
  const { metrics } = gathered.gathered;
  const dup = duplicate(metrics.map((m) => m.name));
  if (dup) return { ok: false, error: `metric "${dup}" is defined by more than one template` };
  const args = resolveArgs(input, gathered.gathered.args);
  if (!args.ok) return args;
  const checked = prepareMetrics(metrics, checkValues(args.args));
  if (!checked.ok) return checked;
  return {
    ok: true,
    run: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata: runMetadata(input),
      spec: { metrics, args: args.args, ...listsOf(input, gathered.gathered) },
    },
  };
}

/** Argo's instance-id label, so the run goes to the controller instance that runs its Rollout. */
const instanceIdLabel = 'argo-rollouts.argoproj.io/controller-instance-id';

function instanceLabel(rollout: Rollout): Record<string, string> {
  const id = rollout.metadata.labels?.[instanceIdLabel];
  return id ? { [instanceIdLabel]: id } : {};
}

function runMetadata(input: RunInput): AnalysisRun['metadata'] {
  const extra = input.request.analysisRunMetadata;
  const step =
    input.stepIndex !== undefined ? { [AnalysisLabel.stepIndex]: String(input.stepIndex) } : {};
  return {
    name: runName(input),
    namespace: input.rollout.metadata.namespace,
    labels: {
      ...(extra?.labels ?? {}),
      ...instanceLabel(input.rollout),
      [AnalysisLabel.type]: input.kind,
      [podTemplateHashLabel]: input.podHash,
      ...step,
    },
    annotations: {
      ...(extra?.annotations ?? {}),
      'rollout.argoproj.io/revision': String(input.revision),
    },
  };
}

/** dryRun and measurementRetention from the templates and the Rollout, when there are any. */
function listsOf(input: RunInput, gathered: Gathered): Partial<AnalysisRun['spec']> {
  const dryRun = [...gathered.dryRun, ...(input.request.dryRun ?? [])];
  const retention = [
    ...gathered.measurementRetention,
    ...(input.request.measurementRetention ?? []),
  ];
  return {
    ...(dryRun.length > 0 ? { dryRun } : {}),
    ...(retention.length > 0 ? { measurementRetention: retention } : {}),
  };
}

/** A run of the Rollout as the planner sees it. */
export interface RunFacts {
  readonly name: string;
  readonly kind: string | undefined;
  readonly podHash: string | undefined;
  readonly stepIndex: string | undefined;
  readonly phase: string | undefined;
  readonly message: string | undefined;
  readonly terminate: boolean;
  readonly created: number;
  /** False for a run of the same namespace another owner holds (its name is taken all the same). */
  readonly owned?: boolean | undefined;
}

/** The analysis gate's verdict from a run's phase (no run yet: still running). */
export function verdictOf(phase: string | undefined): AnalysisVerdict {
  switch (phase) {
    case 'Successful':
      return 'successful';
    case 'Failed':
    case 'Error':
      return 'failed';
    case 'Inconclusive':
      return 'inconclusive';
    default:
      return 'running';
  }
}
