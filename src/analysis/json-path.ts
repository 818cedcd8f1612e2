// A tiny JSONPath subset for the web provider's `jsonPath`: `$`, `.key`, `['key']`, `["key"]`,
// `[0]`, `[-1]`, `[*]` and `.*`, optionally wrapped in Kubernetes-style braces (`{$.data.ok}`), as
// Argo writes it. Hand-written on purpose: the full JSONPath libraries evaluate filter expressions
// (`?(...)`) with script engines, and a path comes from a user-written template, so it must never
// reach anything that executes code. Only own properties resolve, and `__proto__`, `constructor`
// and `prototype` never do, so a path cannot climb into the prototype chain.

/** What evaluating a path gave: the value found, or why there is none. */
export type JsonPathResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

type Step =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'all' };

type Parsed = { readonly step: Step; readonly end: number } | { readonly error: string };

const forbidden = new Set(['__proto__', 'constructor', 'prototype']);
const dotKey = /[^.[\]\s'"]+/y;

/**
 * Evaluates `path` against parsed JSON. Without a wildcard the value is the one node found; with
 * `[*]` or `.*` anywhere it is the array of every node collected (missing keys are skipped).
 */
export function evaluateJsonPath(doc: unknown, path: string): JsonPathResult {
  const steps = parseJsonPath(path);
  if ('error' in steps)
    return { ok: false, error: `invalid jsonPath ${JSON.stringify(path)}: ${steps.error}` };
  return walk(doc, steps);
}

function parseJsonPath(path: string): Step[] | { error: string } {
  const rest = stripRoot(path);
  const steps: Step[] = [];
  let i = 0;
  while (i < rest.length) {
    const parsed = parseStep(rest, i);
    if ('error' in parsed) return parsed;
    steps.push(parsed.step);
    i = parsed.end;
  }
  return steps;
}

/** Drops the optional braces and the optional leading `$` (Kubernetes also accepts `{.a.b}`). */
function stripRoot(path: string): string {
  const trimmed = path.trim();
  const inner =
    trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1).trim() : trimmed;
  return inner.startsWith('$') ? inner.slice(1) : inner;
}

function parseStep(rest: string, i: number): Parsed {
  if (rest[i] === '.') return parseDot(rest, i);
  if (rest[i] === '[') return parseBracket(rest, i);
  return { error: `unexpected ${JSON.stringify(rest[i])} at position ${i}` };
}

function parseDot(rest: string, i: number): Parsed {
  const next = rest[i + 1];
  if (next === '.') return { error: 'recursive descent (..) is not supported' };
  if (next === '*') return { step: { kind: 'all' }, end: i + 2 };
  dotKey.lastIndex = i + 1;
  const match = dotKey.exec(rest);
  if (!match) return { error: `a key must follow "." at position ${i}` };
  return { step: { kind: 'key', key: match[0] }, end: i + 1 + match[0].length };
}

function parseBracket(rest: string, i: number): Parsed {
  const quote = rest[i + 1];
  if (quote === "'" || quote === '"') return parseQuoted(rest, i + 1, quote);
  const close = rest.indexOf(']', i);
  if (close < 0) return { error: `unclosed "[" at position ${i}` };
  const inner = rest.slice(i + 1, close).trim();
  if (inner === '*') return { step: { kind: 'all' }, end: close + 1 };
  if (/^-?\d+$/.test(inner))
    return { step: { kind: 'index', index: Number(inner) }, end: close + 1 };
  return {
    error: `unsupported selector [${inner}] (filters, slices and unions are not supported)`,
  };
}

/** A quoted key: scans to the matching quote (backslash escapes the next character), then `]`. */
function parseQuoted(rest: string, start: number, quote: string): Parsed {
  let key = '';
  for (let i = start + 1; i < rest.length; i++) {
    const c = rest[i] as string;
    if (c === '\\') {
      key += rest[i + 1] ?? '';
      i++;
    } else if (c === quote) {
      if (rest[i + 1] !== ']')
        return { error: `expected "]" after the quoted key at position ${i + 1}` };
      return { step: { kind: 'key', key }, end: i + 2 };
    } else {
      key += c;
    }
  }
  return { error: `unterminated quoted key at position ${start}` };
}

function walk(doc: unknown, steps: readonly Step[]): JsonPathResult {
  let nodes: unknown[] = [doc];
  let collecting = false;
  let at = '$';
  for (const step of steps) {
    collecting ||= step.kind === 'all';
    const next: unknown[] = [];
    for (const node of nodes) {
      const found = apply(node, step, collecting);
      if (!Array.isArray(found)) return { ok: false, error: `${found.error} at ${at}` };
      next.push(...found);
    }
    nodes = next;
    at += describe(step);
  }
  return { ok: true, value: collecting ? nodes : nodes[0] };
}

/** The nodes one step reaches from `node`; while collecting, a miss is skipped, not an error. */
function apply(node: unknown, step: Step, collecting: boolean): unknown[] | { error: string } {
  const found = reach(node, step);
  if (Array.isArray(found) || !collecting) return found;
  return [];
}

function reach(node: unknown, step: Step): unknown[] | { error: string } {
  switch (step.kind) {
    case 'all':
      if (isList(node)) return [...node];
      if (isObject(node)) return ownEntries(node).map(([, v]) => v);
      return [];
    case 'index':
      return at(node, step.index);
    case 'key':
      return key(node, step.key);
  }
}

function at(node: unknown, index: number): unknown[] | { error: string } {
  if (!isList(node)) return { error: `[${index}] needs an array, found ${kindOf(node)}` };
  const i = index < 0 ? node.length + index : index;
  if (i < 0 || i >= node.length)
    return { error: `index ${index} is out of range (length ${node.length})` };
  return [node[i]];
}

function key(node: unknown, name: string): unknown[] | { error: string } {
  if (!isObject(node))
    return { error: `key ${JSON.stringify(name)} needs an object, found ${kindOf(node)}` };
  if (forbidden.has(name) || !Object.hasOwn(node, name))
    return { error: `no key ${JSON.stringify(name)}` };
  return [node[name]];
}

function ownEntries(node: Record<string, unknown>): [string, unknown][] {
  return Object.entries(node).filter(([k]) => !forbidden.has(k));
}

function isList(node: unknown): node is readonly unknown[] {
  return Array.isArray(node);
}

function isObject(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

function kindOf(node: unknown): string {
  if (node === null) return 'null';
  if (Array.isArray(node)) return 'an array';
  return typeof node === 'object' ? 'an object' : `a ${typeof node}`;
}

function describe(step: Step): string {
  if (step.kind === 'all') return '[*]';
  if (step.kind === 'index') return `[${step.index}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(step.key)
    ? `.${step.key}`
    : `[${JSON.stringify(step.key)}]`;
}
