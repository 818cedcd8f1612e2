// Static safety check of one kustomization before kustomize ever runs on it (the class of Argo CD
// CVE-2022-24348 / CVE-2022-24904): every local reference must stay inside the repository, remote
// references need an explicit opt-in, and nothing may make kustomize execute code (exec and KRM
// function plugins, Helm). Pure: the caller reads the files and follows the references returned.
import { posix } from 'node:path';

import { parseAllDocuments } from 'yaml';

/** The file names kustomize looks for in a directory, in its order of preference. */
export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Why a kustomization is refused. */
export type KustomizationProblemReason = 'PathEscape' | 'RemoteBase' | 'Plugin' | 'Parse';

/** One reason not to run kustomize, with a message that names the kustomization and the entry. */
export interface KustomizationProblem {
  readonly reason: KustomizationProblemReason;
  readonly message: string;
}

/**
 * What a local reference is loaded as, which decides what the caller checks in it next:
 * `resource` a manifest file or a directory (a kustomization to check in turn); `plugin` a
 * generator/transformer/validator config file, or a directory whose resources are such configs;
 * `file` a file kustomize only reads (patch, generator input), which only has to stay inside.
 */
export type ReferenceUse = 'resource' | 'plugin' | 'file';

/** A local reference of a kustomization, resolved to a repository-relative posix path. */
export interface LocalReference {
  /** Repository-relative posix path ("." for the root). */
  readonly path: string;
  /** The entry as written in the kustomization. */
  readonly ref: string;
  readonly field: string;
  readonly use: ReferenceUse;
}

/** Input of {@link checkKustomization}. */
export interface KustomizationCheckInput {
  /** Directory of the kustomization, repository-relative posix ("." for the root). */
  readonly dir: string;
  /** Its file name in that directory (kustomization.yaml, …). */
  readonly fileName: string;
  /** The parsed file. */
  readonly kustomization: unknown;
  readonly allowRemoteBases: boolean;
  /** Set when reached as a generator/transformer/validator: its resources are plugin configs. */
  readonly pluginContext?: boolean;
}

/** Outcome of {@link checkKustomization}: problems, and the local references to follow next. */
export interface KustomizationCheck {
  readonly problems: KustomizationProblem[];
  readonly references: LocalReference[];
}

/** Fields holding lists of references (strings), and what each entry is loaded as. */
const referenceLists: ReadonlyArray<readonly [string, ReferenceUse]> = [
  ['resources', 'resource'],
  ['bases', 'resource'],
  ['components', 'resource'],
  ['crds', 'file'],
  ['configurations', 'file'],
  ['patchesStrategicMerge', 'file'],
  ['generators', 'plugin'],
  ['transformers', 'plugin'],
  ['validators', 'plugin'],
];

/** Fields whose entries may be inline YAML instead of a path, as kustomize accepts there. */
const inlineFields = new Set(['patchesStrategicMerge', 'generators', 'transformers', 'validators']);

/** Fields holding lists of objects with an optional `path`. */
const pathObjectLists = ['patches', 'patchesJson6902', 'replacements'];

/** Fields that make kustomize run Helm: refused whatever they contain. */
const helmFields = ['helmCharts', 'helmChartInflationGenerator', 'helmGlobals'];

/** Annotations that turn a config into a KRM function (a container, an exec or starlark). */
const functionAnnotations = ['config.kubernetes.io/function', 'config.k8s.io/function'];

/** Remote reference forms kustomize (go-getter and its own repo spec parser) fetches. */
const remotePatterns = [
  /^[a-z][a-z0-9+.-]*:\/\//i,
  /^git::/i,
  /^git@/i,
  /^gh:/i,
  /^(github\.com|gitlab\.com|bitbucket\.org|dev\.azure\.com|ssh\.dev\.azure\.com)(\/|:)/i,
  /\?(ref|version|submodules|timeout)=/i,
  /(^|\/)_git\//,
  /\.git(\/|\?|$)/,
];

/** Resolves `ref` written in repository directory `dir`; undefined when it leaves the repository. */
export function resolveInRepo(dir: string, ref: string): string | undefined {
  if (ref.includes('\0') || posix.isAbsolute(ref)) return undefined;
  const joined = posix.join(dir, ref);
  if (joined === '..' || joined.startsWith('../')) return undefined;
  const trimmed = joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
  return trimmed === '' ? '.' : trimmed;
}

/** True for references kustomize would fetch over the network instead of reading locally. */
export function isRemoteReference(ref: string): boolean {
  return !isFileUrl(ref) && remotePatterns.some((pattern) => pattern.test(ref));
}

/** file:// URLs read the host's filesystem: never a remote base, always outside the repository. */
function isFileUrl(ref: string): boolean {
  return /^file:\/\//i.test(ref);
}

/** Checks one parsed kustomization; see {@link KustomizationCheck}. */
export function checkKustomization(input: KustomizationCheckInput): KustomizationCheck {
  const where = kustomizationName(input.dir, input.fileName);
  const k = input.kustomization;
  if (!isRecord(k)) {
    return {
      problems: [parseProblem(`kustomization ${where} is not a YAML mapping`)],
      references: [],
    };
  }
  const out: Collector = { where, input, problems: [], references: [] };
  for (const field of helmFields) {
    if (k[field] !== undefined && k[field] !== null) {
      out.problems.push({
        reason: 'Plugin',
        message: `kustomization ${where} uses ${field}: Helm charts are not allowed`,
      });
    }
  }
  for (const [field, use] of referenceLists) collectList(out, field, k[field], use);
  for (const field of pathObjectLists) collectPathObjects(out, field, k[field]);
  collectGeneratorInputs(out, 'configMapGenerator', k.configMapGenerator);
  collectGeneratorInputs(out, 'secretGenerator', k.secretGenerator);
  collectOpenApi(out, k.openapi);
  return { problems: out.problems, references: out.references };
}

/**
 * Checks one generator/transformer/validator config: only kustomize's builtin plugins are allowed
 * (apiVersion `builtin`), and not its Helm inflator. `where` names where the config was found.
 */
export function checkPluginConfig(config: unknown, where: string): KustomizationProblem[] {
  if (!isRecord(config)) return [];
  const apiVersion = typeof config.apiVersion === 'string' ? config.apiVersion : '';
  const kind = typeof config.kind === 'string' ? config.kind : '';
  const what = `${kind || 'config'} (apiVersion ${apiVersion || 'none'}) in ${where}`;
  if (hasFunctionAnnotation(config)) return [pluginProblem(`KRM function ${what}`)];
  if (apiVersion !== 'builtin') return [pluginProblem(`exec/Go plugin ${what}`)];
  if (kind === 'HelmChartInflationGenerator') return [pluginProblem(`Helm inflator ${what}`)];
  return [];
}

/** How a kustomization is named in messages: its repository-relative file path. */
export function kustomizationName(dir: string, fileName: string): string {
  return dir === '.' || dir === '' ? fileName : `${dir}/${fileName}`;
}

interface Collector {
  readonly where: string;
  readonly input: KustomizationCheckInput;
  readonly problems: KustomizationProblem[];
  readonly references: LocalReference[];
}

function collectList(out: Collector, field: string, value: unknown, use: ReferenceUse): void {
  const entries = stringList(out, field, value);
  const effective = use === 'resource' && out.input.pluginContext ? 'plugin' : use;
  for (const entry of entries) {
    const inline = inlineFields.has(field) ? inlineDocuments(entry) : undefined;
    if (!inline) addReference(out, field, entry, effective);
    else if (effective === 'plugin') checkInlinePlugins(out, field, inline);
  }
}

function checkInlinePlugins(out: Collector, field: string, docs: unknown[]): void {
  for (const doc of docs) {
    out.problems.push(...checkPluginConfig(doc, `${field} of kustomization ${out.where}`));
  }
}

function collectPathObjects(out: Collector, field: string, value: unknown): void {
  for (const entry of objectList(out, field, value)) {
    if (typeof entry.path === 'string') addReference(out, `${field}[].path`, entry.path, 'file');
    else if (entry.path !== undefined) out.problems.push(shapeProblem(out, `${field}[].path`));
  }
}

function collectGeneratorInputs(out: Collector, field: string, value: unknown): void {
  for (const entry of objectList(out, field, value)) {
    // A files entry is "path" or "key=path"; kustomize splits at the first "=".
    for (const file of stringList(out, `${field}[].files`, entry.files)) {
      const eq = file.indexOf('=');
      addReference(out, `${field}[].files`, eq < 0 ? file : file.slice(eq + 1), 'file');
    }
    for (const env of stringList(out, `${field}[].envs`, entry.envs)) {
      addReference(out, `${field}[].envs`, env, 'file');
    }
    if (typeof entry.env === 'string') addReference(out, `${field}[].env`, entry.env, 'file');
  }
}

function collectOpenApi(out: Collector, value: unknown): void {
  if (value === undefined || value === null) return;
  if (!isRecord(value)) {
    out.problems.push(shapeProblem(out, 'openapi'));
    return;
  }
  if (typeof value.path === 'string') addReference(out, 'openapi.path', value.path, 'file');
}

function addReference(out: Collector, field: string, ref: string, use: ReferenceUse): void {
  if (isRemoteReference(ref)) {
    if (!out.input.allowRemoteBases) {
      out.problems.push({
        reason: 'RemoteBase',
        message: `kustomization ${out.where} refers to remote "${ref}" in ${field}: remote bases are not allowed`,
      });
    }
    return;
  }
  const path = isFileUrl(ref) ? undefined : resolveInRepo(out.input.dir, ref);
  if (path === undefined) {
    out.problems.push({
      reason: 'PathEscape',
      message: `kustomization ${out.where} refers to "${ref}" outside the repository`,
    });
    return;
  }
  out.references.push({ path, ref, field, use });
}

/** Entries of a list of strings; anything else is a problem (kustomize would reject it too). */
function stringList(out: Collector, field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) {
    return value;
  }
  out.problems.push(shapeProblem(out, field, 'a list of strings'));
  return [];
}

function objectList(out: Collector, field: string, value: unknown): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every(isRecord)) return value;
  out.problems.push(shapeProblem(out, field, 'a list of mappings'));
  return [];
}

/**
 * The YAML mappings of an entry written inline (kustomize tries an entry as inline YAML before
 * reading it as a path); undefined when the entry is a plain path.
 */
function inlineDocuments(entry: string): unknown[] | undefined {
  const docs = parseAllDocuments(entry, { merge: true });
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0)) return undefined;
  const values = docs.map((doc) => doc.toJS({ maxAliasCount: 100 }) as unknown);
  return values.some(isRecord) ? values.filter(isRecord) : undefined;
}

function hasFunctionAnnotation(config: Record<string, unknown>): boolean {
  const metadata = config.metadata;
  if (!isRecord(metadata) || !isRecord(metadata.annotations)) return false;
  const annotations = metadata.annotations;
  return functionAnnotations.some((key) => annotations[key] !== undefined);
}

function pluginProblem(what: string): KustomizationProblem {
  return { reason: 'Plugin', message: `${what}: kustomize plugins are not allowed` };
}

function parseProblem(message: string): KustomizationProblem {
  return { reason: 'Parse', message };
}

function shapeProblem(out: Collector, field: string, shape = 'a mapping'): KustomizationProblem {
  return parseProblem(`kustomization ${out.where}: ${field} must be ${shape}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
