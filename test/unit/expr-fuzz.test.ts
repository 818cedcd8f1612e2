// Property test of the condition language: a million generated conditions (random token soup,
// grammar-directed expressions and mutations of them) against random plain-data inputs. Parsing
// and evaluating must never throw, never hang, never fail with an internal error, and never
// return anything but plain data built from the input and the literals — no function, no
// prototype object. A seeded PRNG keeps every run identical; a failure prints the condition.
import { describe, expect, it } from 'vitest';

import { evaluateBoolean, evaluateCondition, parseCondition } from '../../src/decide/expr/index.js';

/** mulberry32: a tiny, good-enough seeded PRNG. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const builtinNames = [
  'len',
  'abs',
  'ceil',
  'floor',
  'round',
  'min',
  'max',
  'sum',
  'mean',
  'median',
  'int',
  'float',
  'string',
  'asInt',
  'asFloat',
  'isNaN',
  'isInf',
  'isNil',
  'default',
  'upper',
  'lower',
  'trim',
  'split',
  'join',
  'keys',
  'values',
  'first',
  'last',
];
const predicateNames = ['all', 'any', 'none', 'one', 'filter', 'map', 'count', 'find'];
const envNames = [
  'result',
  'm',
  's',
  'items',
  'nothing',
  'n',
  'x',
  'constructor',
  '__proto__',
  'toString',
];
const propertyNames = [
  'a',
  'b',
  'name',
  'v',
  'ok',
  'list',
  'constructor',
  '__proto__',
  'prototype',
  'length',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'in',
  'not',
  'call',
  'apply',
  'bind',
];
const binaryOps = [
  '??',
  'or',
  '||',
  'and',
  '&&',
  '==',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  'in',
  'not in',
  'contains',
  'not contains',
  'startsWith',
  'endsWith',
  'matches',
  'not matches',
  '..',
  '+',
  '-',
  '*',
  '/',
  '%',
  '**',
  '^',
];
const unaryOps = ['not ', '!', '-', '+'];
const numberLiterals = [
  '0',
  '1',
  '2',
  '3',
  '0.5',
  '0.95',
  '1e3',
  '1_000',
  '0x1F',
  '.5',
  '1e308',
  '9999',
  '10000',
  '2.5e-1',
];
const patterns = [
  '^a',
  'b$',
  '.*',
  '(a+)+$',
  '(a|aa)*c',
  '.*.*.*x',
  '[a-z]+',
  '\\d{2,4}',
  '(?i)AB',
  '(',
  '[',
  'a**',
  '(?=a)',
  '\\b',
  'x{2,}',
  '(?s).',
  '^$',
  '\\',
  '[^a]',
  'a|',
  '|',
  '(?:a|b)*',
  '\\1',
  'a{1001}',
];
const soupTokens = [
  ...binaryOps,
  ...unaryOps,
  ...builtinNames,
  ...predicateNames,
  ...envNames,
  ...numberLiterals,
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  '?.',
  '?',
  '#',
  '#index',
  '#acc',
  'true',
  'false',
  'nil',
  '"a"',
  "'b'",
  '"\\n"',
  '"\\u00e9"',
  '"\\q"',
  '"open',
  '`raw`',
  '`',
  '//c\n',
  '/*c*/',
  '/*',
  '1e',
  '0x',
  '1_',
  '1..2',
  '@',
  '=',
  '&',
  '|',
  '$',
  '_',
  'é',
  '\\',
  '"',
  "'",
  '\n',
  '\t',
  ' ',
  ...patterns.map((p) => JSON.stringify(p)),
];

// Conditions that run into the step, work, range or length limits.
const heavy = [
  '0..9999',
  'map(0..9999, {#})',
  'map(0..99, {0..9999})',
  'map(0..999, {map(0..99, {#})})',
  'string(0..9999)',
  'filter(0..9999, {# % 2 == 0})',
  'count(0..9999, {# > 5})',
  'join(map(0..999, {"ab"}))',
  'len(string(m))',
  's + s + s + s',
  '0..100000',
  '(0..9999)[5000:] == (0..9999)[5000:]',
];

class Generator {
  constructor(private readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  text(max: number): string {
    const alphabet = 'ab01 .*+?()[]{}|^$\\-é\n"\'xyzAB_:,';
    let out = '';
    for (let i = this.int(max + 1); i > 0; i -= 1) out += this.pick([...alphabet]);
    return out;
  }

  /** A random regular expression, mostly broken, to fuzz the pattern parser. */
  pattern(): string {
    if (this.chance(0.4)) return this.pick(patterns);
    const alphabet = [
      'a',
      'b',
      '.',
      '*',
      '+',
      '?',
      '(',
      ')',
      '[',
      ']',
      '{2}',
      '{1,3}',
      '|',
      '^',
      '$',
    ];
    const more = ['\\d', '\\w', '\\s', '\\b', '(?i)', '(?:', '[^', 'a-z', '-', '\\', 'é', '{', '}'];
    let out = '';
    for (let i = this.int(12); i > 0; i -= 1) out += this.pick(this.chance(0.7) ? alphabet : more);
    return out;
  }

  soup(): string {
    const parts: string[] = [];
    for (let i = 1 + this.int(16); i > 0; i -= 1) {
      parts.push(this.pick(soupTokens), this.pick(['', ' ', ' ', '\n']));
    }
    return parts.join('');
  }

  expression(depth: number, closure: boolean): string {
    if (depth <= 0 || this.chance(0.25)) return this.atom(closure);
    const d = depth - 1;
    switch (this.int(12)) {
      case 0:
      case 1:
        return `${this.expression(d, closure)} ${this.pick(binaryOps)} ${this.expression(d, closure)}`;
      case 2:
        return `${this.pick(unaryOps)}${this.expression(d, closure)}`;
      case 3:
        return `${this.expression(d, closure)} ? ${this.expression(d, closure)} : ${this.expression(d, closure)}`;
      case 4:
      case 5:
        return this.postfix(d, closure);
      case 6:
        return this.call(d, closure);
      case 7:
        return this.predicate(d, closure);
      case 8:
        return `[${this.list(d, closure)}]`;
      case 9:
        return this.map(d, closure);
      case 10: {
        const subject = this.pick(['s', 'm.name', 'string(result)', JSON.stringify(this.text(10))]);
        const op = this.pick(['matches', 'not matches']);
        return `${subject} ${op} ${this.chance(0.2) ? 's' : JSON.stringify(this.pattern())}`;
      }
      default:
        return `(${this.expression(d, closure)})`;
    }
  }

  atom(closure: boolean): string {
    if (this.chance(0.003)) return `(${this.pick(heavy)})`;
    const roll = this.int(closure ? 12 : 10);
    if (roll === 10) return this.pick(['#', '#index', '#.name', '#.v']);
    if (roll === 11) return `.${this.pick(propertyNames)}`;
    if (roll < 3) return this.pick(numberLiterals);
    if (roll < 5)
      return this.chance(0.3) ? JSON.stringify(this.pick(patterns)) : JSON.stringify(this.text(6));
    if (roll === 5) return this.pick(['true', 'false', 'nil']);
    return this.pick(envNames);
  }

  postfix(depth: number, closure: boolean): string {
    const base = this.chance(0.6) ? this.pick(envNames) : `(${this.expression(depth, closure)})`;
    let out = base;
    for (let i = 1 + this.int(3); i > 0; i -= 1) {
      out += this.pick([
        `.${this.pick(propertyNames)}`,
        `?.${this.pick(propertyNames)}`,
        `[${this.expression(depth, closure)}]`,
        `?.[${this.pick(numberLiterals)}]`,
        `[${this.pick(['0', '1', '-1', '5', '"a"', '"__proto__"', '"constructor"'])}]`,
        `[${this.pick(['', '1', '-1'])}:${this.pick(['', '2', '-1'])}]`,
      ]);
    }
    return out;
  }

  list(depth: number, closure: boolean): string {
    const items: string[] = [];
    for (let i = this.int(4); i > 0; i -= 1) items.push(this.expression(depth, closure));
    return items.join(', ');
  }

  call(depth: number, closure: boolean): string {
    return `${this.pick(builtinNames)}(${this.list(depth, closure) || this.expression(depth, closure)})`;
  }

  predicate(depth: number, closure: boolean): string {
    const body = this.expression(depth, true);
    const source = this.chance(0.5)
      ? this.pick(['result', 'items', 'm.list', '1..5', '[1, nil, "a"]'])
      : this.expression(depth, closure);
    return `${this.pick(predicateNames)}(${source}, ${this.chance(0.8) ? `{${body}}` : body})`;
  }

  map(depth: number, closure: boolean): string {
    const entries: string[] = [];
    for (let i = this.int(3); i > 0; i -= 1) {
      const key = this.pick([
        'a',
        '"b"',
        '__proto__',
        '"constructor"',
        '1',
        `(${this.atom(closure)})`,
      ]);
      entries.push(`${key}: ${this.expression(depth, closure)}`);
    }
    return `{${entries.join(', ')}}`;
  }

  /** A near miss: a valid-looking expression with one character dropped, doubled or replaced. */
  mutate(source: string): string {
    const at = this.int(source.length + 1);
    const edits = [
      () => source.slice(0, at) + source.slice(at + 1),
      () => source.slice(0, at) + (source[at] ?? '') + source.slice(at),
      () => source.slice(0, at) + this.pick(soupTokens) + source.slice(at + 1),
    ];
    return this.pick(edits)();
  }

  condition(): string {
    const roll = this.int(10);
    if (roll < 3) return this.soup();
    const grammar = this.expression(1 + this.int(5), false);
    return roll === 9 ? this.mutate(grammar) : grammar;
  }

  value(depth: number): unknown {
    const roll = this.int(depth > 0 ? 9 : 6);
    if (roll < 2)
      return this.pick([0, 1, -1, 0.5, 0.97, Number.NaN, Infinity, -Infinity, 1e21, -0, 123456789]);
    if (roll === 2) return this.text(8);
    if (roll === 3) return this.chance(0.5);
    if (roll === 4) return null;
    if (roll === 5) return this.pick(patterns);
    if (roll === 6 || roll === 7)
      return Array.from({ length: this.int(5) }, () => this.value(depth - 1));
    return this.record(depth - 1);
  }

  record(depth: number): Record<string, unknown> {
    const entries = Array.from({ length: this.int(4) }, () => [
      this.pick(propertyNames),
      this.value(depth),
    ]);
    // fromEntries makes "__proto__" an own key, as JSON.parse does.
    return Object.fromEntries(entries) as Record<string, unknown>;
  }

  env(long: boolean): Record<string, unknown> {
    const numbers = Array.from({ length: this.int(4) }, () =>
      this.pick([0.97, 0.5, 0, 1, Number.NaN, Infinity]),
    );
    return {
      result: this.pick([numbers, [], this.pick([0.97, 0.01, Number.NaN]), this.value(2)]),
      m: { ...this.record(2), list: [this.record(1), this.record(1)] },
      s: long ? `${'ab'.repeat(2_500)}${this.text(12)}` : this.text(12),
      items: Array.from({ length: this.int(4) }, () => this.record(1)),
      nothing: null,
      n: this.pick([0, 1, 2.5, -3]),
    };
  }
}

function containers(value: unknown, found: Set<object>): Set<object> {
  if (typeof value !== 'object' || value === null || found.has(value)) return found;
  found.add(value);
  for (const item of Object.values(value)) containers(item, found);
  return found;
}

const intrinsics = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  Function.prototype,
  String.prototype,
  Number.prototype,
  Boolean.prototype,
  Symbol.prototype,
  Error.prototype,
  globalThis,
]);

/** Why a result is not plain data built from the input and literals, or undefined when it is. */
function impurity(value: unknown, inputs: Set<object>): string | undefined {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null || ['number', 'string', 'boolean'].includes(typeof item)) continue;
    if (typeof item !== 'object') return `a ${typeof item}`;
    if (intrinsics.has(item)) return 'an intrinsic object';
    if (seen.has(item)) continue;
    seen.add(item);
    const prototype: unknown = Object.getPrototypeOf(item);
    const expected = Array.isArray(item) ? [Array.prototype] : [Object.prototype, null];
    if (!expected.includes(prototype as object | null)) return 'an object with a foreign prototype';
    if (!inputs.has(item) && Object.getOwnPropertySymbols(item).length > 0) return 'symbol keys';
    for (const key of Object.keys(item)) {
      const descriptor = Object.getOwnPropertyDescriptor(item, key);
      if (!descriptor || !('value' in descriptor)) return 'an accessor property';
      stack.push(descriptor.value);
    }
  }
  return undefined;
}

interface Tally {
  parsed: number;
  evaluated: number;
  failed: number;
  /** Evaluations stopped by the step or work budget. */
  budget: number;
  slowestMs: number;
}

function fuzz(seed: number, iterations: number): Tally {
  const gen = new Generator(mulberry32(seed));
  // A few environments carry a long string, for `matches` and string building.
  const envs = Array.from({ length: 64 }, (_, i) => gen.env(i % 16 === 0));
  const inputs = envs.map((env) => containers(env, new Set()));
  const tally: Tally = { parsed: 0, evaluated: 0, failed: 0, budget: 0, slowestMs: 0 };
  for (let i = 0; i < iterations; i += 1) {
    const source = gen.condition();
    const which = gen.int(envs.length);
    const started = performance.now();
    let problem: string | undefined;
    try {
      problem = check(
        source,
        envs[which] as Record<string, unknown>,
        inputs[which] as Set<object>,
        tally,
      );
    } catch (error) {
      problem = `threw ${String(error)}`;
    }
    tally.slowestMs = Math.max(tally.slowestMs, performance.now() - started);
    if (problem)
      throw new Error(
        `seed ${seed}, iteration ${i}: ${problem}\ncondition: ${JSON.stringify(source)}`,
      );
  }
  return tally;
}

function check(
  source: string,
  env: Record<string, unknown>,
  inputs: Set<object>,
  tally: Tally,
): string | undefined {
  const parsed = parseCondition(source);
  if (!parsed.ok) {
    if (typeof parsed.error !== 'string' || parsed.error === '') return 'an empty parse error';
    return parsed.error.startsWith('parsing failed')
      ? `internal parse error: ${parsed.error}`
      : undefined;
  }
  tally.parsed += 1;
  const result = evaluateCondition(parsed.condition, env);
  if (!result.ok) {
    tally.failed += 1;
    if (/evaluation steps|element operations/.test(result.error)) tally.budget += 1;
    if (typeof result.error !== 'string' || result.error === '') return 'an empty evaluation error';
    return result.error.startsWith('evaluation failed')
      ? `internal evaluation error: ${result.error}`
      : undefined;
  }
  tally.evaluated += 1;
  const impure = impurity(result.value, inputs);
  if (impure) return `returned ${impure}`;
  const boolean = evaluateBoolean(parsed.condition, env);
  if (boolean.ok !== (typeof result.value === 'boolean')) return 'evaluateBoolean disagrees';
  return undefined;
}

describe('condition language fuzz (1,000,000 conditions)', () => {
  it.each([
    [1, 0x5eed0001],
    [2, 0x5eed0002],
    [3, 0x5eed0003],
    [4, 0x5eed0004],
  ])(
    'block %i: 250,000 conditions never throw, hang or leak',
    (_, seed) => {
      const tally = fuzz(seed, 250_000);
      // The generator must exercise evaluation, not only the parser's error paths.
      expect(tally.parsed).toBeGreaterThan(100_000);
      expect(tally.evaluated).toBeGreaterThan(30_000);
      expect(tally.failed).toBeGreaterThan(30_000);
      expect(tally.budget).toBeGreaterThan(20);
      expect(tally.slowestMs).toBeLessThan(2_000);
    },
    180_000,
  );
});
