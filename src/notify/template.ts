// A small, safe placeholder renderer for notification templates. Argo's templates are Go
// templates; ramp supports the part users need for messages — `{{.rollout.metadata.name}}`,
// `{{ index .rollout.metadata.annotations "team.example.com/owner" }}` and the `{{-`/`-}}`
// whitespace trims — and rejects every other action when the configuration is read, so a template
// never half-works. There is no evaluation: a placeholder is a path looked up in plain data, own
// properties only.

/** A compiled template: literal text and lookups, in order. */
export interface Template {
  readonly parts: readonly (string | Lookup)[];
}

interface Lookup {
  readonly path: readonly string[];
}

/** How a looked-up value is written: as is, escaped for the inside of a JSON string, or for a URL path. */
export type Escape = 'none' | 'json' | 'url';

/** The outcome of compiling a template source. */
export type Compiled = { ok: true; template: Template } | { ok: false; error: string };

const pathPattern = /^\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)$/;
const indexPattern = /^index\s+(\.[A-Za-z0-9_.]+)((?:\s+"(?:[^"\\]|\\.)*")+)$/;

/** Compiles a template; the error names the offset and the action that is not supported. */
export function compileTemplate(source: string): Compiled {
  const parts: (string | Lookup)[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    const text = source.slice(pos, open < 0 ? source.length : open);
    parts.push(trimNext ? text.trimStart() : text);
    if (open < 0) break;
    const close = source.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, error: `unclosed "{{" at offset ${open}` };
    const action = parseAction(source.slice(open + 2, close));
    if (typeof action === 'string') return { ok: false, error: `${action} at offset ${open}` };
    if (action.trimBefore) parts.push((parts.pop() as string).trimEnd());
    parts.push(action.lookup);
    trimNext = action.trimAfter;
    pos = close + 2;
  }
  return { ok: true, template: { parts: parts.filter((p) => p !== '') } };
}

function parseAction(
  raw: string,
): { lookup: Lookup; trimBefore: boolean; trimAfter: boolean } | string {
  const trimBefore = /^-\s/.test(raw);
  const trimAfter = /\s-$/.test(raw);
  const inner = raw.slice(trimBefore ? 1 : 0, trimAfter ? -1 : undefined).trim();
  const lookup = parseLookup(inner);
  if (lookup) return { lookup, trimBefore, trimAfter };
  const shown = inner.length > 40 ? `${inner.slice(0, 40)}…` : inner;
  return `unsupported template action "{{${shown}}}" (only {{.field.path}} and {{index .field "key"}} are supported)`;
}

function parseLookup(inner: string): Lookup | undefined {
  const path = pathPattern.exec(inner);
  if (path) return { path: (path[1] ?? '').split('.') };
  const index = indexPattern.exec(inner);
  if (!index) return undefined;
  const base = pathPattern.exec(index[1] ?? '');
  if (!base) return undefined;
  const keys = [...(index[2] ?? '').matchAll(/"(?:[^"\\]|\\.)*"/g)].map(
    (m) => JSON.parse(m[0]) as string,
  );
  return { path: [...(base[1] ?? '').split('.'), ...keys] };
}

/** Renders a compiled template over `data`; a missing field renders as nothing. */
export function renderTemplate(template: Template, data: unknown, escape: Escape = 'none'): string {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const text = formatValue(lookup(data, part.path));
    out += escapers[escape](text);
  }
  return out;
}

const escapers: Record<Escape, (text: string) => string> = {
  none: (text) => text,
  json: (text) => JSON.stringify(text).slice(1, -1),
  url: (text) => encodeURIComponent(text),
};

function lookup(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
