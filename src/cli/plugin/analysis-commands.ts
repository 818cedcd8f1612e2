// The analysis commands: `create analysisrun`, `terminate analysisrun` (what Argo's plugin sends)
// and `analyze` (ramp's own: one measurement of a template's metrics, now).
import { readFile } from 'node:fs/promises';
import { text as readStream } from 'node:stream/consumers';

import { Option, type Command } from 'commander';
import { parseAllDocuments } from 'yaml';

import type { AnalysisRun, AnalysisTemplate, Argument } from '../../api/analysis.js';
import { createProviders } from '../../analysis/providers/index.js';
import { argValues, secretRefs } from '../../decide/analysis/args.js';
import { prepareMetrics } from '../../decide/analysis/run.js';
import { parseGoDuration } from '../../decide/durations.js';
import { rawRequest, resourcePath } from '../../kube/raw.js';
import { cliContext, UserError } from '../run.js';
import {
  analysisRunFrom,
  gatherTemplate,
  metricProblems,
  parseArgFlags,
  placeholderValues,
  runArgs,
  TemplateError,
  type GatheredTemplate,
} from './analysis-build.js';
import { runJobMetric } from './analyze-job.js';
import {
  allSuccessful,
  isDryRun,
  renderVerdicts,
  verdictOf,
  type MetricVerdict,
} from './analyze.js';
import { explain, type Session } from './context.js';
import { sessionOf } from './rollout-commands.js';

const argo = 'argoproj.io/v1alpha1';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** GET of an Argo object, with a missing one (or any failure) as one clear line. */
async function getArgo<T>(
  s: Session,
  ref: { plural: string; kind: string; name: string; cluster?: boolean },
): Promise<T> {
  const namespace = ref.cluster ? undefined : s.namespace;
  const path = resourcePath({ apiVersion: argo, plural: ref.plural, namespace, name: ref.name });
  try {
    return await rawRequest<T>(s.kc, { method: 'GET', path });
  } catch (err) {
    throw explain(
      err,
      { kind: ref.kind, name: ref.name, namespace: namespace ?? '(cluster)' },
      s.kc,
    );
  }
}

function getTemplate(s: Session, name: string, cluster: boolean): Promise<AnalysisTemplate> {
  return cluster
    ? getArgo(s, {
        plural: 'clusteranalysistemplates',
        kind: 'clusteranalysistemplate',
        name,
        cluster,
      })
    : getArgo(s, { plural: 'analysistemplates', kind: 'analysistemplate', name });
}

const templateKinds = ['AnalysisTemplate', 'ClusterAnalysisTemplate'];

/** The templates in a file (or stdin with -). */
async function templatesInFile(file: string): Promise<AnalysisTemplate[]> {
  let source: string;
  try {
    source = file === '-' ? await readStream(process.stdin) : await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  const docs = parseAllDocuments(source);
  const broken = docs.find((d) => d.errors.length > 0);
  if (broken)
    throw new UserError(`${file}: ${broken.errors[0]?.message.split('\n')[0] ?? 'cannot parse'}`);
  return docs
    .map((d) => d.toJS() as AnalysisTemplate | null)
    .filter((t): t is AnalysisTemplate => Boolean(t && templateKinds.includes(t.kind ?? '')));
}

/** The named template of the file (or its only one), and a lookup for included templates. */
async function fileTemplate(
  s: Session,
  file: string,
  name: string | undefined,
): Promise<{ root: AnalysisTemplate; lookup: Lookup }> {
  const all = await templatesInFile(file);
  const root = name ? all.find((t) => t.metadata.name === name) : all[0];
  if (!root)
    throw new UserError(`${file}: no AnalysisTemplate${name ? ` named "${name}"` : ''} in it`);
  return {
    root,
    lookup: (n, cluster) =>
      Promise.resolve(
        all.find(
          (t) => t.metadata.name === n && (t.kind === 'ClusterAnalysisTemplate') === cluster,
        ) ?? getTemplate(s, n, cluster),
      ),
  };
}

type Lookup = (name: string, cluster: boolean) => Promise<AnalysisTemplate>;

async function gather(root: AnalysisTemplate, lookup: Lookup): Promise<GatheredTemplate> {
  try {
    return await gatherTemplate(root, lookup);
  } catch (err) {
    if (err instanceof TemplateError)
      throw new UserError(`template "${root.metadata.name}": ${err.message}`);
    throw err;
  }
}

/** Where a command's template comes from: --from / --template in the cluster, or a file. */
interface TemplateSource {
  readonly name?: string | undefined;
  readonly file?: string | undefined;
  readonly cluster: boolean;
}

async function loadTemplate(
  s: Session,
  source: TemplateSource,
): Promise<{ root: AnalysisTemplate; gathered: GatheredTemplate }> {
  if (source.file) {
    const { root, lookup } = await fileTemplate(s, source.file, source.name);
    return { root, gathered: await gather(root, lookup) };
  }
  if (!source.name) throw new UserError('name a template (or give a file with -f)');
  const root = await getTemplate(s, source.name, source.cluster);
  return { root, gathered: await gather(root, (n, c) => getTemplate(s, n, c)) };
}

function resolveArgs(gathered: GatheredTemplate, flags: readonly string[]): Argument[] {
  const given = parseArgFlags(flags);
  if ('error' in given) throw new UserError(given.error);
  const args = runArgs(gathered.args, given);
  if (!args.ok) throw new UserError(args.error);
  return args.args;
}

function failIfCannotRun(
  name: string,
  gathered: GatheredTemplate,
  values: Record<string, string>,
): void {
  const problems = metricProblems(gathered, values);
  if (problems.length > 0)
    throw new UserError(
      `template "${name}" cannot run: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    );
}

interface CreateOptions {
  from?: string;
  fromFile?: string;
  fromClusterTemplate?: boolean;
  global?: boolean;
  argument: string[];
  name?: string;
  generateName?: string | true;
  instanceId?: string;
}

/** Registers `create analysisrun` and `terminate analysisrun`. */
export function registerAnalysisRunCommands(program: Command): void {
  program
    .command('create')
    .description('create an object from a template')
    .command('analysisrun')
    .alias('ar')
    .description('create an AnalysisRun from an AnalysisTemplate (or ClusterAnalysisTemplate)')
    .option('--from <template>', 'template in the cluster')
    .option('--from-file <file>', 'template in a local file')
    .option('--from-cluster-template', 'the template is a ClusterAnalysisTemplate')
    .addOption(new Option('--global', 'same as --from-cluster-template (Argo’s flag)').hideHelp())
    .option('-a, --argument <name=value>', 'template argument (repeatable)', collect, [])
    .option('--name <name>', 'name of the run')
    .option('--generate-name [prefix]', 'generated name with this prefix (default: TEMPLATE-)')
    .option('--instance-id <id>', 'controller instance id label')
    .action(async (opts: CreateOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      const run = await buildRun(s, opts);
      const path = resourcePath({
        apiVersion: argo,
        plural: 'analysisruns',
        namespace: s.namespace,
      });
      try {
        const created = await rawRequest<AnalysisRun>(s.kc, { method: 'POST', path, body: run });
        say(`analysisrun.argoproj.io/${created.metadata.name} created`);
      } catch (err) {
        const name = run.metadata.name ?? '(generated)';
        throw explain(err, { kind: 'analysisrun', name, namespace: s.namespace }, s.kc);
      }
    });

  program
    .command('terminate')
    .description('stop a running object')
    .command('analysisrun')
    .aliases(['ar', 'analysisruns'])
    .description('terminate AnalysisRuns (spec.terminate=true)')
    .argument('<names...>', 'AnalysisRun names')
    .action(async (names: string[], _opts: unknown, cmd: Command) => {
      const s = sessionOf(cmd);
      for (const name of names) {
        const path = resourcePath({
          apiVersion: argo,
          plural: 'analysisruns',
          namespace: s.namespace,
          name,
        });
        try {
          await rawRequest(s.kc, {
            method: 'PATCH',
            path,
            body: { spec: { terminate: true } },
            contentType: 'application/merge-patch+json',
          });
        } catch (err) {
          throw explain(err, { kind: 'analysisrun', name, namespace: s.namespace }, s.kc);
        }
        say(`analysisRun '${name}' terminated`);
      }
    });
}

async function buildRun(s: Session, opts: CreateOptions): Promise<AnalysisRun> {
  if (Boolean(opts.from) === Boolean(opts.fromFile))
    throw new UserError('give exactly one of --from TEMPLATE or --from-file FILE');
  if (opts.name && opts.generateName !== undefined)
    throw new UserError('give --name or --generate-name, not both');
  const cluster = opts.fromClusterTemplate === true || opts.global === true;
  const { root, gathered } = await loadTemplate(s, {
    name: opts.from,
    file: opts.fromFile,
    cluster,
  });
  const args = resolveArgs(gathered, opts.argument);
  failIfCannotRun(root.metadata.name, gathered, placeholderValues(args));
  return analysisRunFrom({
    template: root,
    gathered,
    args,
    namespace: s.namespace,
    name: opts.name,
    generateName: typeof opts.generateName === 'string' ? opts.generateName : undefined,
    instanceId: opts.instanceId,
  });
}

interface AnalyzeOptions {
  template?: string;
  cluster?: boolean;
  filename?: string;
  argument: string[];
  prometheus?: string;
  runJobs?: boolean;
  jobTimeout: string;
}

/** Registers `analyze`. */
export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description(
      'measure each metric of a template once, now, and judge it with its conditions; exit 1 unless all are Successful',
    )
    .option('--template <name>', 'AnalysisTemplate in the cluster (or in the -f file)')
    .option('--cluster', 'the template is a ClusterAnalysisTemplate')
    .option('-f, --filename <file>', 'read the template from a file (- for stdin)')
    .option('-a, --argument <name=value>', 'template argument (repeatable)', collect, [])
    .option(
      '--prometheus <url>',
      'Prometheus for metrics that name no address (default: RAMP_PROMETHEUS_URL)',
    )
    .option('--run-jobs', 'also run job metrics (creates and deletes a Job per metric)')
    .option('--job-timeout <duration>', 'how long a job metric may run', '5m')
    .action(async (opts: AnalyzeOptions, cmd: Command) => {
      const s = sessionOf(cmd);
      const verdicts = await analyze(s, opts);
      process.stdout.write(renderVerdicts(verdicts));
      if (!allSuccessful(verdicts)) process.exitCode = 1;
    });
}

async function analyze(s: Session, opts: AnalyzeOptions): Promise<MetricVerdict[]> {
  const { root, gathered } = await loadTemplate(s, {
    name: opts.template,
    file: opts.filename,
    cluster: opts.cluster === true,
  });
  const args = resolveArgs(gathered, opts.argument);
  failIfCannotRun(root.metadata.name, gathered, placeholderValues(args));
  const { values, secrets } = await withSecrets(s, args);
  const prepared = prepareMetrics(gathered.metrics, values);
  if (!prepared.ok)
    throw new UserError(
      `template "${root.metadata.name}" cannot run: ${redact(prepared.error, secrets)}`,
    );
  const jobTimeoutMs = parseGoDuration(opts.jobTimeout) * 1000;
  if (!(jobTimeoutMs > 0))
    throw new UserError(`--job-timeout ${opts.jobTimeout}: expected a duration such as 5m`);
  const providers = createProviders(s.kc, {
    defaultPrometheusAddress: opts.prometheus ?? cliContext('kubectl-ramp').config.prometheusUrl,
  });
  return Promise.all(
    prepared.metrics.map(async ({ metric, conditions }) => {
      const dryRun = isDryRun(metric.name, gathered.dryRun);
      if (metric.provider.job && !opts.runJobs)
        return {
          ...verdictOf(metric, conditions, { kind: 'phase', phase: 'Successful' }, dryRun),
          verdict: 'Skipped',
          message: 'a job metric runs a Job: pass --run-jobs to run it',
        };
      const outcome = metric.provider.job
        ? await runJobMetric(s, metric, jobTimeoutMs)
        : await (providers.providerFor(metric)?.measure({
            metric,
            namespace: s.namespace,
            run: { name: 'kubectl-ramp-analyze', uid: '' },
            index: 1,
          }) ?? Promise.resolve({ kind: 'error' as const, message: 'provider not supported' }));
      const verdict = verdictOf(metric, conditions, outcome, dryRun);
      return { ...verdict, message: verdict.message && redact(verdict.message, secrets) };
    }),
  );
}

/** Arg values with secret ones read now (kept in memory, never printed). */
async function withSecrets(
  s: Session,
  args: readonly Argument[],
): Promise<{ values: Record<string, string>; secrets: string[] }> {
  const found: Record<string, string> = {};
  for (const ref of secretRefs(args)) {
    const path = resourcePath({
      apiVersion: 'v1',
      plural: 'secrets',
      namespace: s.namespace,
      name: ref.name,
    });
    let secret: { data?: Record<string, string> };
    try {
      secret = await rawRequest(s.kc, { method: 'GET', path });
    } catch (err) {
      throw explain(err, { kind: 'secret', name: ref.name, namespace: s.namespace }, s.kc);
    }
    const data = secret.data?.[ref.key];
    if (data === undefined)
      throw new UserError(`secret "${ref.name}" has no key "${ref.key}" (for args.${ref.arg})`);
    found[ref.arg] = Buffer.from(data, 'base64').toString('utf8');
  }
  return { values: argValues(args, found), secrets: Object.values(found) };
}

/** A backend's message may echo a query holding a secret arg: hide those values. */
function redact(message: string, secrets: readonly string[]): string {
  return secrets.filter((v) => v.length >= 3).reduce((m, v) => m.split(v).join('***'), message);
}
