// The pure parts of the analysis commands: `-a NAME=VALUE` flags, gathering a template with the
// templates it includes, the run's args, the AnalysisRun object `create analysisrun` sends, and
// the checks a template must pass before the controller could run it (the controller's own
// prepareMetrics and dryRun/measurementRetention rules, through advanceRun).
import type {
  AnalysisObjectMeta,
  AnalysisRun,
  AnalysisTemplate,
  Argument,
  Metric,
} from '../../api/analysis.js';
import { advanceRun, prepareMetrics } from '../../decide/analysis/run.js';
import type { FieldError } from '../../decide/validate-rollout.js';

/** Reads repeated `-a NAME=VALUE` flags (the value may itself hold `=`), as Argo does. */
export function parseArgFlags(
  flags: readonly string[],
): Record<string, string> | { error: string } {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf('=');
    if (at <= 0)
      return { error: `argument ${JSON.stringify(flag)} must be in the form NAME=VALUE` };
    out[flag.slice(0, at)] = flag.slice(at + 1);
  }
  return out;
}

/** Metrics, args, dryRun and measurementRetention of a template and those it includes. */
export interface GatheredTemplate {
  readonly metrics: Metric[];
  readonly args: Argument[];
  readonly dryRun: { metricName: string }[];
  readonly measurementRetention: { metricName: string; limit: number }[];
}

/** Finds an included template by name (cluster-scoped with clusterScope); throws if it cannot. */
export type TemplateLookup = (name: string, clusterScope: boolean) => Promise<AnalysisTemplate>;

/**
 * The template with the templates it includes, included ones first, as the controller gathers
 * them for a Rollout; a metric defined twice is an error.
 */
export async function gatherTemplate(
  root: AnalysisTemplate,
  lookup: TemplateLookup,
): Promise<GatheredTemplate> {
  const out: GatheredTemplate = { metrics: [], args: [], dryRun: [], measurementRetention: [] };
  await visit(root, lookup, { out, seen: new Set(), depth: 0 });
  const names = out.metrics.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new TemplateError(`metric "${dup}" is defined by more than one template`);
  return out;
}

/** A template that cannot be gathered (missing include, nesting too deep, duplicate metric). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

async function visit(
  template: AnalysisTemplate,
  lookup: TemplateLookup,
  walk: { out: GatheredTemplate; seen: Set<string>; depth: number },
): Promise<void> {
  if (walk.depth > 5) throw new TemplateError('templates nest deeper than 5 levels');
  for (const ref of template.spec.templates ?? []) {
    const cluster = ref.clusterScope === true;
    const key = `${cluster ? 'cluster' : 'ns'}/${ref.templateName ?? ''}`;
    if (walk.seen.has(key)) continue;
    walk.seen.add(key);
    const nested = await lookup(ref.templateName ?? '', cluster);
    await visit(nested, lookup, { ...walk, depth: walk.depth + 1 });
  }
  addTemplate(walk.out, template);
}

function addTemplate(out: GatheredTemplate, template: AnalysisTemplate): void {
  out.metrics.push(...(template.spec.metrics ?? []));
  out.args.push(...(template.spec.args ?? []));
  out.dryRun.push(...(template.spec.dryRun ?? []));
  out.measurementRetention.push(...(template.spec.measurementRetention ?? []));
}

function resolvable(arg: Argument): boolean {
  return arg.value !== undefined || arg.valueFrom?.secretKeyRef !== undefined;
}

/**
 * The run's args: the template's (first declaration wins) with the given values set, as Argo's
 * MergeArgs does; a given name the template lacks, or an arg left without a value, is an error.
 */
export function runArgs(
  templateArgs: readonly Argument[],
  given: Readonly<Record<string, string>>,
): { ok: true; args: Argument[] } | { ok: false; error: string } {
  const byName = new Map<string, Argument>();
  for (const arg of templateArgs) if (!byName.has(arg.name)) byName.set(arg.name, arg);
  for (const [name, value] of Object.entries(given)) {
    const arg = byName.get(name);
    if (!arg) {
      const known = [...byName.keys()].join(', ') || 'none';
      return { ok: false, error: `the template has no arg "${name}" (its args: ${known})` };
    }
    byName.set(name, { ...arg, value });
  }
  const unresolved = [...byName.values()].find((a) => !resolvable(a));
  if (unresolved)
    return {
      ok: false,
      error: `args.${unresolved.name} was not resolved: give it a value with -a ${unresolved.name}=VALUE`,
    };
  return { ok: true, args: [...byName.values()] };
}

/** Stand-in values for args a check cannot know (secrets, Rollout fields, values not given). */
export function placeholderValues(args: readonly Argument[]): Record<string, string> {
  return Object.fromEntries(args.map((a) => [a.name, a.value ?? '0']));
}

/** kubectl's own bookkeeping annotation: it describes the template, not the run. */
const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
/** Argo's instance-id label: the controller instance that runs the run. */
export const instanceIdLabel = 'argo-rollouts.argoproj.io/controller-instance-id';

/** What `create analysisrun` builds a run from. */
export interface RunRequest {
  readonly template: AnalysisTemplate;
  readonly gathered: GatheredTemplate;
  readonly args: readonly Argument[];
  readonly namespace: string;
  readonly name?: string | undefined;
  readonly generateName?: string | undefined;
  readonly instanceId?: string | undefined;
}

/**
 * The AnalysisRun for a template, as Argo's `create analysisrun` builds it: the template's
 * labels and annotations, its metrics, args, dryRun and measurementRetention, and a name, or a
 * generateName of `TEMPLATE-` by default.
 */
export function analysisRunFrom(req: RunRequest): AnalysisRun {
  const { gathered } = req;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: runMetadata(req),
    spec: {
      metrics: gathered.metrics,
      ...(req.args.length > 0 ? { args: [...req.args] } : {}),
      ...(gathered.dryRun.length > 0 ? { dryRun: gathered.dryRun } : {}),
      ...(gathered.measurementRetention.length > 0
        ? { measurementRetention: gathered.measurementRetention }
        : {}),
    },
  };
}

function runMetadata(req: RunRequest): AnalysisObjectMeta {
  const annotations = { ...(req.template.metadata.annotations ?? {}) };
  delete annotations[lastApplied];
  const labels = {
    ...(req.template.metadata.labels ?? {}),
    ...(req.instanceId ? { [instanceIdLabel]: req.instanceId } : {}),
  };
  const naming = req.name
    ? { name: req.name }
    : { generateName: req.generateName ?? `${req.template.metadata.name}-` };
  // With generateName the API server picks the name; metadata.name stays unset.
  return {
    ...naming,
    namespace: req.namespace,
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  } as AnalysisObjectMeta;
}

/**
 * Every reason the controller would refuse to run these metrics: each metric through the
 * controller's prepareMetrics (provider, settings, conditions, args), then — when those pass —
 * the dryRun and measurementRetention rules through advanceRun itself.
 */
export function metricProblems(
  gathered: GatheredTemplate,
  values: Readonly<Record<string, string>>,
): FieldError[] {
  const perMetric = gathered.metrics.flatMap((metric, i) => {
    const prepared = prepareMetrics([metric], values);
    return prepared.ok ? [] : [{ field: `spec.metrics[${i}]`, message: prepared.error }];
  });
  const names = gathered.metrics.map((m) => m.name);
  const dups = names.flatMap((n, i) =>
    names.indexOf(n) !== i
      ? [{ field: `spec.metrics[${i}].name`, message: `metric "${n}" is defined twice` }]
      : [],
  );
  if (perMetric.length > 0 || dups.length > 0) return [...perMetric, ...dups];
  return ruleProblems(gathered, values);
}

function ruleProblems(
  gathered: GatheredTemplate,
  values: Readonly<Record<string, string>>,
): FieldError[] {
  const run: AnalysisRun = {
    metadata: { name: 'check' },
    spec: {
      metrics: gathered.metrics,
      dryRun: gathered.dryRun,
      measurementRetention: gathered.measurementRetention,
    },
  };
  const decision = advanceRun(run, 0, {}, values);
  if (decision.status.phase !== 'Error') return [];
  const message = decision.status.message ?? 'the run cannot start';
  const inDryRun = gathered.dryRun.some((d) => message.includes(`"${d.metricName}"`));
  return [{ field: inDryRun ? 'spec.dryRun' : 'spec.measurementRetention', message }];
}
