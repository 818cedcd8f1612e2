// Multi-document YAML (or JSON) to manifests: what plain directories and kustomize output become.
import { parseAllDocuments } from 'yaml';

import type { ManifestObject } from '../../decide/gitops/objects.js';
import { RenderError } from './errors.js';

/**
 * Parses every document of `text` (named `source` in errors): empty documents are skipped,
 * `kind: List` is flattened, and every object needs apiVersion, kind and metadata.name.
 */
export function parseManifests(text: string, source: string): ManifestObject[] {
  return parseDocuments(text, source).flatMap(({ value, where }) => flatten(value, where));
}

/** The non-empty documents of multi-document YAML, each with its position for messages. */
export function parseDocuments(text: string, source: string): { value: unknown; where: string }[] {
  // Merge keys (<<) as Kubernetes' own YAML reader applies them; aliases are capped (no bombs).
  const docs = parseAllDocuments(text, { merge: true });
  if (!Array.isArray(docs)) return [];
  return docs.flatMap((doc, index) => {
    const where = `${source} document ${index + 1}`;
    const error = doc.errors[0];
    if (error) throw new RenderError('Parse', `${where}: ${error.message}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      throw new RenderError('Parse', `${where}: ${(err as Error).message}`);
    }
    return value === null || value === undefined ? [] : [{ value, where }];
  });
}

function flatten(value: unknown, where: string): ManifestObject[] {
  if (!isRecord(value)) throw new RenderError('Parse', `${where}: not a YAML mapping`);
  if (value.kind !== 'List') return [toManifest(value, where)];
  if (!Array.isArray(value.items)) {
    throw new RenderError('Parse', `${where}: kind List without an items list`);
  }
  return value.items.flatMap((item: unknown, i) => flatten(item, `${where} item ${i + 1}`));
}

function toManifest(value: Record<string, unknown>, where: string): ManifestObject {
  const problem = fieldProblem(value);
  if (problem) throw new RenderError('Parse', `${where}: ${problem}`);
  return value as ManifestObject;
}

/** What is wrong with the object's identity fields, if anything. */
function fieldProblem(value: Record<string, unknown>): string | undefined {
  if (!nonEmptyString(value.apiVersion)) return 'missing apiVersion';
  if (!nonEmptyString(value.kind)) return 'missing kind';
  const metadata = value.metadata;
  if (!isRecord(metadata)) return 'missing metadata';
  if (!nonEmptyString(metadata.name)) return 'missing metadata.name';
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
    return 'metadata.namespace is not a string';
  }
  return undefined;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
