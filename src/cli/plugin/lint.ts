// `lint`: the checks the controller applies, offline. Rollouts go through validateRolloutSpec —
// the very function whose result the controller writes as the InvalidSpec condition — and
// templates through the controller's own metric preparation; both after a type check against the
// schemas the CRDs are generated from. Other kinds in the same file (Services, …) are skipped.
import { readFile } from 'node:fs/promises';
import { text as readStream } from 'node:stream/consumers';

import type { TSchema } from '@sinclair/typebox';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';

import { AnalysisTemplateSpec, type AnalysisTemplate } from '../../api/analysis.js';
import { RolloutSpec } from '../../api/rollout.js';
import { validateRolloutSpec, type FieldError } from '../../decide/validate-rollout.js';
import { UserError } from '../run.js';
import { metricProblems, placeholderValues } from './analysis-build.js';
import { schemaErrors } from './schema-check.js';

/** One problem found in one document of one file. */
export interface LintProblem extends FieldError {
  readonly file: string;
  /** 1-based position of the document in the file. */
  readonly doc: number;
  /** KIND/NAME, or "yaml" for a document that does not parse. */
  readonly object: string;
}

/** The line `lint` prints for a problem: FILE:DOC: KIND/NAME: field: message. */
export function formatProblem(p: LintProblem): string {
  return `${p.file}:${p.doc}: ${p.object}: ${p.field}: ${p.message}`;
}

const argoApiVersion = 'argoproj.io/v1alpha1';

type Manifest = Record<string, unknown> & {
  metadata?: { name?: unknown; generateName?: unknown };
  spec?: unknown;
};

interface Linter {
  readonly schema: TSchema;
  readonly check: (spec: unknown) => FieldError[];
}

const linters: Readonly<Record<string, Linter>> = {
  Rollout: { schema: RolloutSpec, check: (spec) => validateRolloutSpec(spec as RolloutSpec) },
  AnalysisTemplate: { schema: AnalysisTemplateSpec, check: templateProblems },
  ClusterAnalysisTemplate: { schema: AnalysisTemplateSpec, check: templateProblems },
};

/** Every problem in a (multi-document) YAML or JSON text. */
export function lintText(file: string, source: string): LintProblem[] {
  return parseAllDocuments(source).flatMap((doc, i) => {
    const at = { file, doc: i + 1 };
    if (doc.errors.length > 0)
      return [{ ...at, object: 'yaml', field: 'document', message: firstLine(doc.errors[0]) }];
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    if (typeof value !== 'object' || Array.isArray(value))
      return [{ ...at, object: 'yaml', field: 'document', message: 'not a mapping' }];
    const found = lintManifest(value as Manifest);
    return found ? found.problems.map((p) => ({ ...at, object: found.object, ...p })) : [];
  });
}

function firstLine(error: { message: string } | undefined): string {
  const line = (error?.message ?? '').split('\n')[0] ?? '';
  return line.replace(/:\s*$/, '') || 'cannot parse';
}

/** The linter for a manifest's kind, or undefined for kinds lint does not check. */
function linterFor(manifest: Manifest): Linter | undefined {
  const { kind, apiVersion } = manifest;
  if (typeof kind !== 'string' || !Object.hasOwn(linters, kind)) return undefined;
  // A kind of the same name from another API group is not ours.
  if (typeof apiVersion === 'string' && !apiVersion.startsWith('argoproj.io/')) return undefined;
  return linters[kind];
}

function nameOf(manifest: Manifest): string | undefined {
  const name = manifest.metadata?.name ?? manifest.metadata?.generateName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function headerProblems(manifest: Manifest): FieldError[] {
  const problems: FieldError[] = [];
  if (manifest.apiVersion !== argoApiVersion)
    problems.push({ field: 'apiVersion', message: `must be ${argoApiVersion}` });
  if (nameOf(manifest) === undefined)
    problems.push({ field: 'metadata.name', message: 'required field is missing' });
  if (!manifest.spec || typeof manifest.spec !== 'object')
    problems.push({ field: 'spec', message: 'required field is missing' });
  return problems;
}

/** The problems of one manifest, or undefined when lint does not check its kind. */
export function lintManifest(
  manifest: Manifest,
): { object: string; problems: FieldError[] } | undefined {
  const linter = linterFor(manifest);
  if (!linter) return undefined;
  const object = `${String(manifest.kind)}/${nameOf(manifest) ?? '<unnamed>'}`;
  const problems = headerProblems(manifest);
  if (problems.some((p) => p.field === 'spec')) return { object, problems };
  const typeErrors = schemaErrors(linter.schema, manifest.spec, 'spec');
  problems.push(...typeErrors);
  // A spec of the wrong shape would only confuse the semantic checks (and the controller never
  // gets one: the API server refuses it); unknown fields are pruned, so those do not block.
  if (typeErrors.every((e) => e.message.startsWith('unknown field')))
    problems.push(...linter.check(manifest.spec));
  return { object, problems };
}

/**
 * A template's metrics as the controller would prepare them for a run, with stand-ins for arg
 * values only a Rollout or a person can give. Included templates are not in the file, so with
 * `templates:` the dryRun/measurementRetention rules (which may name their metrics) are skipped.
 */
function templateProblems(raw: unknown): FieldError[] {
  const spec = raw as AnalysisTemplate['spec'];
  const nested = (spec.templates ?? []).length > 0;
  return metricProblems(
    {
      metrics: spec.metrics ?? [],
      args: spec.args ?? [],
      dryRun: nested ? [] : (spec.dryRun ?? []),
      measurementRetention: nested ? [] : (spec.measurementRetention ?? []),
    },
    placeholderValues(spec.args ?? []),
  );
}

async function readSource(file: string): Promise<string> {
  try {
    return file === '-' ? await readStream(process.stdin) : await readFile(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UserError(`cannot read ${file}: ${why}`);
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Registers `lint -f FILE…`. */
export function registerLint(program: Command): void {
  program
    .command('lint')
    .description(
      'check Rollout and AnalysisTemplate manifests offline, as the controller would; exit 1 on problems',
    )
    .requiredOption('-f, --filename <file>', 'manifest file, - for stdin (repeatable)', collect)
    .action(async (opts: { filename: string[] }) => {
      const problems: LintProblem[] = [];
      for (const file of opts.filename) {
        const label = file === '-' ? '<stdin>' : file;
        problems.push(...lintText(label, await readSource(file)));
      }
      for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
      if (problems.length === 0) process.stdout.write('no problems\n');
      else process.exitCode = 1;
    });
}
