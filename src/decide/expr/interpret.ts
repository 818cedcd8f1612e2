// Evaluates a parsed condition over plain data. Nothing here can reach past the environment:
// names resolve to the environment's own data properties, members to own data properties of
// plain objects and arrays (never a prototype, never a getter), and the only callable things are
// the built-ins below. Every evaluation runs under a step budget and a work budget, so a hostile
// or careless condition ends with an error instead of hanging the controller.
import type { BinaryOp, BuiltinName, Node } from './parser.js';

/** Plain data: what conditions read from their environment and what they return. */
export type Value =
  null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value };

/** Node evaluations one evaluation may take. */
export const maxSteps = 10_000;
/** Elements, characters and pattern states one evaluation may touch in bulk operations. */
export const maxWork = 1_000_000;
/** Largest array the `..` operator builds. */
export const maxRangeLength = 10_000;
/** Longest regular expression `matches` accepts. */
export const maxPatternLength = 200;
/** Longest string `matches` searches. */
export const maxSubjectLength = 10_000;
/** Deepest data equality and `string()` walk; data from the environment may be cyclic. */
export const maxValueDepth = 100;

/** The outcome of one evaluation; `pos` is the source offset the error is about. */
export type Outcome =
  { ok: true; value: Value } | { ok: false; error: string; pos: number | undefined };

/** Evaluates a tree against an environment; never throws. */
export function interpret(ast: Node, env: Readonly<Record<string, unknown>>): Outcome {
  const evaluation = new Evaluation(env);
  try {
    const value = evaluation.evaluate(ast);
    checkResult(value, ast.pos);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof EvalFailure) return { ok: false, error: error.message, pos: error.pos };
    // A bug of ours, or an environment that is not plain data (a throwing proxy): still a value.
    const message = error instanceof Error ? error.message : 'unknown error';
    return { ok: false, error: `evaluation failed: ${message}`, pos: undefined };
  }
}

class EvalFailure extends Error {
  readonly pos: number;

  constructor(message: string, pos: number) {
    super(message);
    this.pos = pos;
  }
}

/** Thrown by `a?.b` when `a` is nil and caught by the chain the optional access ends. */
class ShortCircuit extends Error {}
const shortCircuit = new ShortCircuit('an optional chain reached nil');

type NodeOf<K extends Node['kind']> = Extract<Node, { kind: K }>;
type Handler<N extends Node> = (ev: Evaluation, node: N) => Value;

class Evaluation {
  private steps = 0;
  private work = 0;
  private readonly elements: { readonly value: Value; readonly index: number }[] = [];

  constructor(readonly env: Readonly<Record<string, unknown>>) {}

  evaluate(node: Node): Value {
    this.steps += 1;
    if (this.steps > maxSteps) {
      throw new EvalFailure(`condition needs more than ${maxSteps} evaluation steps`, node.pos);
    }
    return (handlers[node.kind] as Handler<Node>)(this, node);
  }

  /** Counts bulk work (elements built or walked, characters scanned) against the budget. */
  charge(amount: number, pos: number): void {
    this.work += amount;
    if (this.work > maxWork) {
      throw new EvalFailure(`condition needs more than ${maxWork} element operations`, pos);
    }
  }

  /** Evaluates a closure body with `#` bound to one element. */
  withElement(body: Node, value: Value, index: number): Value {
    this.elements.push({ value, index });
    try {
      return this.evaluate(body);
    } finally {
      this.elements.pop();
    }
  }

  pointer(node: NodeOf<'pointer'>): Value {
    const current = this.elements[this.elements.length - 1];
    if (!current) throw new EvalFailure('"#" used outside a closure', node.pos);
    return node.index ? current.index : current.value;
  }

  lookup(node: NodeOf<'name'>): Value {
    const descriptor = Object.getOwnPropertyDescriptor(this.env, node.name);
    if (!descriptor || !('value' in descriptor)) {
      throw new EvalFailure(`unknown name ${JSON.stringify(node.name)}`, node.pos);
    }
    return toValue(descriptor.value, node.pos);
  }
}

// ---------------------------------------------------------------------------------------------
// Plain data

type Kind = 'nil' | 'bool' | 'number' | 'string' | 'array' | 'map' | 'unsupported value';

type PlainMap = { readonly [key: string]: unknown };

function isPlainObject(value: unknown): value is PlainMap {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function objectKind(value: object): Kind {
  if (Array.isArray(value)) return 'array';
  return isPlainObject(value) ? 'map' : 'unsupported value';
}

function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'nil';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'object':
      return objectKind(value);
    default:
      return 'unsupported value';
  }
}

/** Admits one level of input data: plain values pass, `undefined` reads as nil, the rest fails. */
function toValue(raw: unknown, pos: number): Value {
  if (raw === undefined) return null;
  if (kindOf(raw) === 'unsupported value') {
    throw new EvalFailure(`the input holds an unsupported value (${typeof raw})`, pos);
  }
  return raw as Value;
}

/** An own data property, never a getter and never anything inherited. */
function ownProperty(object: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

function elementAt(array: readonly unknown[], index: number, pos: number): Value {
  return toValue(array[index], pos);
}

function valuesOf(ev: Evaluation, array: readonly unknown[], pos: number): Value[] {
  ev.charge(array.length, pos);
  return Array.from(array, (item) => toValue(item, pos));
}

function isInteger(value: unknown): value is number {
  return Number.isInteger(value);
}

/** Go's %v for a float64, which is how expr-lang prints numbers. */
function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0 || Math.abs(value) >= 1e-4) return String(value);
  const [mantissa, exponent = ''] = value.toExponential().split('e');
  return `${mantissa}e${exponent[0]}${exponent.slice(1).padStart(2, '0')}`;
}

function describeShallow(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : '[…]';
  if (isPlainObject(value)) return Object.keys(value).length === 0 ? '{}' : '{…}';
  return describeValue(value);
}

/** A short rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  const kind = kindOf(value);
  if (kind === 'number') return formatNumber(value as number);
  if (kind === 'string') {
    const text = value as string;
    return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  }
  if (kind === 'array') {
    const items = value as readonly unknown[];
    const shown = items.slice(0, 3).map(describeShallow);
    return `[${shown.join(', ')}${items.length > 3 ? ', …' : ''}]`;
  }
  if (kind === 'map') return describeShallow(value);
  return kind === 'bool' ? String(value) : kind;
}

function describeKey(key: Value): string {
  return typeof key === 'string' ? JSON.stringify(key) : describeValue(key);
}

/** Walks the result once so that nothing but plain data ever leaves the interpreter. */
function checkResult(value: Value, pos: number): void {
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    const kind = kindOf(item);
    if (kind === 'unsupported value') {
      throw new EvalFailure('condition returned an unsupported value', pos);
    }
    if ((kind === 'array' || kind === 'map') && !seen.has(item as object)) {
      seen.add(item as object);
      pushReversed(stack, containerItems(item as object));
    }
  }
}

/** Pushes one at a time: spreading a large input array into push() overflows the stack. */
function pushReversed(stack: unknown[], items: readonly unknown[]): void {
  for (let i = items.length - 1; i >= 0; i -= 1) stack.push(items[i]);
}

function containerItems(container: object): unknown[] {
  if (Array.isArray(container)) return Array.from(container as unknown[]);
  return Object.keys(container).map((key) => ownProperty(container, key));
}

// ---------------------------------------------------------------------------------------------
// Nodes

const handlers: { readonly [K in Node['kind']]: Handler<NodeOf<K>> } = {
  literal: (_, node) => node.value,
  name: (ev, node) => ev.lookup(node),
  pointer: (ev, node) => ev.pointer(node),
  array: (ev, node) => {
    ev.charge(node.items.length, node.pos);
    return node.items.map((item) => ev.evaluate(item));
  },
  map: (ev, node) => {
    ev.charge(node.entries.length, node.pos);
    // fromEntries defines own properties, so a "__proto__" key is just a key.
    return Object.fromEntries(node.entries.map((e) => [mapKey(ev, e.key), ev.evaluate(e.value)]));
  },
  member: (ev, node) => {
    const object = ev.evaluate(node.object);
    if (object === null && node.optional) throw shortCircuit;
    return fetch(ev, object, ev.evaluate(node.property), node.pos);
  },
  slice: (ev, node) => slice(ev, node),
  chain: (ev, node) => {
    try {
      return ev.evaluate(node.node);
    } catch (error) {
      if (error === shortCircuit) return null;
      throw error;
    }
  },
  unary: (ev, node) => unary(ev, node),
  binary: (ev, node) => binary(ev, node),
  conditional: (ev, node) => {
    const test = ev.evaluate(node.test);
    if (typeof test !== 'boolean') {
      throw new EvalFailure(`the condition of "?:" must be a bool, got ${kindOf(test)}`, node.pos);
    }
    return ev.evaluate(test ? node.then : node.otherwise);
  },
  call: (ev, node) => builtins[node.name](ev, node),
  closure: (_, node) => {
    throw new EvalFailure('a closure can only be the second argument of a predicate', node.pos);
  },
};

function mapKey(ev: Evaluation, node: Node): string {
  const key = ev.evaluate(node);
  if (typeof key === 'string') return key;
  if (typeof key === 'number') return formatNumber(key);
  throw new EvalFailure(`cannot use ${kindOf(key)} as a map key`, node.pos);
}

function fetch(ev: Evaluation, object: Value, key: Value, pos: number): Value {
  if (Array.isArray(object)) {
    const items = object as readonly unknown[];
    return elementAt(items, indexIn(key, items.length, 'array', pos), pos);
  }
  if (typeof object === 'string') {
    const chars = codePoints(ev, object, pos);
    return chars[indexIn(key, chars.length, 'string', pos)] as string;
  }
  if (isPlainObject(object)) {
    if (typeof key !== 'string') {
      throw new EvalFailure(`cannot use ${kindOf(key)} as a map key`, pos);
    }
    return toValue(ownProperty(object, key), pos);
  }
  throw new EvalFailure(`cannot fetch ${describeKey(key)} from ${kindOf(object)}`, pos);
}

function indexIn(key: Value, length: number, what: string, pos: number): number {
  if (typeof key !== 'number') {
    throw new EvalFailure(`cannot fetch ${describeKey(key)} from ${what}`, pos);
  }
  if (!Number.isInteger(key)) {
    throw new EvalFailure(`index ${formatNumber(key)} is not an integer`, pos);
  }
  const index = key < 0 ? length + key : key;
  if (index < 0 || index >= length) {
    throw new EvalFailure(`index ${key} out of range (length ${length})`, pos);
  }
  return index;
}

function codePoints(ev: Evaluation, text: string, pos: number): string[] {
  ev.charge(text.length, pos);
  return Array.from(text);
}

function slice(ev: Evaluation, node: NodeOf<'slice'>): Value {
  const object = ev.evaluate(node.object);
  if (object === null && node.optional) throw shortCircuit;
  const from = sliceBound(ev, node.from);
  const to = sliceBound(ev, node.to);
  if (Array.isArray(object)) {
    const [start, end] = clampSlice(from, to, object.length);
    ev.charge(end - start, node.pos);
    return object.slice(start, end) as Value;
  }
  if (typeof object === 'string') {
    const chars = codePoints(ev, object, node.pos);
    const [start, end] = clampSlice(from, to, chars.length);
    return chars.slice(start, end).join('');
  }
  throw new EvalFailure(`cannot slice ${kindOf(object)}`, node.pos);
}

function sliceBound(ev: Evaluation, node: Node | undefined): number | undefined {
  if (!node) return undefined;
  const value = ev.evaluate(node);
  if (!isInteger(value)) {
    throw new EvalFailure(`slice bounds must be integers, got ${describeValue(value)}`, node.pos);
  }
  return value;
}

/** Slices never fail on their bounds, as in expr-lang: they are clamped to the length. */
function clampSlice(
  from: number | undefined,
  to: number | undefined,
  length: number,
): [number, number] {
  let start = from ?? 0;
  let end = to ?? length;
  if (start < 0) start = Math.max(0, length + start);
  if (end < 0) end = Math.max(0, length + end);
  end = Math.min(end, length);
  return [Math.min(start, end), end];
}

function unary(ev: Evaluation, node: NodeOf<'unary'>): Value {
  const value = ev.evaluate(node.operand);
  const wanted = node.op === 'not' ? 'boolean' : 'number';
  if (typeof value !== wanted) {
    throw new EvalFailure(`cannot apply "${node.op}" to ${kindOf(value)}`, node.pos);
  }
  if (node.op === 'not') return !value;
  return node.op === '-' ? -(value as number) : value;
}

type LazyOp = 'and' | 'or' | '??';
type EagerOp = Exclude<BinaryOp, LazyOp>;
type Operator = (ev: Evaluation, left: Value, right: Value, pos: number) => Value;

function binary(ev: Evaluation, node: NodeOf<'binary'>): Value {
  const op = node.op;
  if (op === '??') {
    const left = ev.evaluate(node.left);
    return left === null ? ev.evaluate(node.right) : left;
  }
  if (op === 'and' || op === 'or') {
    const left = boolOperand(ev, node.left, node);
    return left === (op === 'or') ? left : boolOperand(ev, node.right, node);
  }
  const left = ev.evaluate(node.left);
  const right = ev.evaluate(node.right);
  return operators[op](ev, left, right, node.pos);
}

function boolOperand(ev: Evaluation, operand: Node, node: NodeOf<'binary'>): boolean {
  const value = ev.evaluate(operand);
  if (typeof value !== 'boolean') {
    throw new EvalFailure(`operator "${node.op}" needs bools, got ${kindOf(value)}`, node.pos);
  }
  return value;
}

function numbers(op: string, left: Value, right: Value, pos: number): [number, number] {
  if (typeof left !== 'number' || typeof right !== 'number') {
    throw new EvalFailure(`cannot apply "${op}" to ${kindOf(left)} and ${kindOf(right)}`, pos);
  }
  return [left, right];
}

function strings(op: string, left: Value, right: Value, pos: number): [string, string] {
  if (typeof left !== 'string' || typeof right !== 'string') {
    throw new EvalFailure(
      `operator "${op}" needs two strings, got ${kindOf(left)} and ${kindOf(right)}`,
      pos,
    );
  }
  return [left, right];
}

/** -1, 0 or 1 for two numbers or two strings; undefined when NaN makes them unordered. */
function order(left: Value, right: Value, pos: number): number | undefined {
  const bothNumbers = typeof left === 'number' && typeof right === 'number';
  const bothStrings = typeof left === 'string' && typeof right === 'string';
  if (!bothNumbers && !bothStrings) {
    throw new EvalFailure(`cannot compare ${kindOf(left)} and ${kindOf(right)}`, pos);
  }
  if (left === right) return 0;
  if ((left as number) < (right as number)) return -1;
  return (left as number) > (right as number) ? 1 : undefined;
}

function integers(op: string, left: Value, right: Value, pos: number): [number, number] {
  if (!isInteger(left) || !isInteger(right)) {
    throw new EvalFailure(
      `operator "${op}" needs integers, got ${describeValue(left)} and ${describeValue(right)}`,
      pos,
    );
  }
  return [left, right];
}

function add(ev: Evaluation, left: Value, right: Value, pos: number): Value {
  if (typeof left === 'string' && typeof right === 'string') {
    ev.charge(left.length + right.length, pos);
    return left + right;
  }
  const [a, b] = numbers('+', left, right, pos);
  return a + b;
}

function modulo(left: Value, right: Value, pos: number): number {
  const [a, b] = integers('%', left, right, pos);
  if (b === 0) throw new EvalFailure('integer division by zero', pos);
  return a % b;
}

function range(ev: Evaluation, left: Value, right: Value, pos: number): Value {
  const [from, to] = integers('..', left, right, pos);
  const length = Math.max(0, to - from + 1);
  if (length > maxRangeLength) {
    throw new EvalFailure(`range ${from}..${to} has more than ${maxRangeLength} elements`, pos);
  }
  ev.charge(length, pos);
  return Array.from({ length }, (_, i) => from + i);
}

function membership(ev: Evaluation, needle: Value, haystack: Value, pos: number): boolean {
  if (haystack === null) return false;
  if (Array.isArray(haystack)) {
    const items = haystack as readonly unknown[];
    for (let i = 0; i < items.length; i += 1) if (equal(ev, needle, items[i], pos)) return true;
    return false;
  }
  if (isPlainObject(haystack)) {
    if (typeof needle !== 'string') {
      throw new EvalFailure(`cannot use ${kindOf(needle)} as a map key`, pos);
    }
    return Object.hasOwn(haystack, needle);
  }
  throw new EvalFailure(
    `operator "in" needs an array or a map on the right, got ${kindOf(haystack)}`,
    pos,
  );
}

const operators: { readonly [K in EagerOp]: Operator } = {
  '==': (ev, l, r, pos) => equal(ev, l, r, pos),
  '!=': (ev, l, r, pos) => !equal(ev, l, r, pos),
  '<': (_, l, r, pos) => order(l, r, pos) === -1,
  '<=': (_, l, r, pos) => (order(l, r, pos) ?? 1) <= 0,
  '>': (_, l, r, pos) => order(l, r, pos) === 1,
  '>=': (_, l, r, pos) => (order(l, r, pos) ?? -1) >= 0,
  in: (ev, l, r, pos) => membership(ev, l, r, pos),
  contains: (ev, l, r, pos) => {
    const [text, part] = strings('contains', l, r, pos);
    ev.charge(text.length, pos);
    return text.includes(part);
  },
  startsWith: (_, l, r, pos) => {
    const [text, part] = strings('startsWith', l, r, pos);
    return text.startsWith(part);
  },
  endsWith: (_, l, r, pos) => {
    const [text, part] = strings('endsWith', l, r, pos);
    return text.endsWith(part);
  },
  matches: (ev, l, r, pos) => {
    const [text, pattern] = strings('matches', l, r, pos);
    return matches(ev, text, pattern, pos);
  },
  '..': range,
  '+': add,
  '-': (_, l, r, pos) => {
    const [a, b] = numbers('-', l, r, pos);
    return a - b;
  },
  '*': (_, l, r, pos) => {
    const [a, b] = numbers('*', l, r, pos);
    return a * b;
  },
  '/': (_, l, r, pos) => {
    const [a, b] = numbers('/', l, r, pos);
    return a / b;
  },
  '%': (_, l, r, pos) => modulo(l, r, pos),
  '**': (_, l, r, pos) => {
    const [a, b] = numbers('**', l, r, pos);
    return Math.pow(a, b);
  },
};

/** Structural equality of plain data; NaN equals nothing, as in Go. */
function equal(ev: Evaluation, left: unknown, right: unknown, pos: number): boolean {
  return equalAt(ev, left, right, { pos, depth: 0 });
}

interface Where {
  readonly pos: number;
  readonly depth: number;
}

function equalAt(ev: Evaluation, left: unknown, right: unknown, where: Where): boolean {
  ev.charge(1, where.pos);
  const a = left ?? null;
  const b = right ?? null;
  if (a === b) return true;
  const kind = kindOf(a);
  if (kind !== kindOf(b) || (kind !== 'array' && kind !== 'map')) return false;
  if (where.depth >= maxValueDepth) {
    throw new EvalFailure(
      `cannot compare values nested more than ${maxValueDepth} levels deep`,
      where.pos,
    );
  }
  const inner = { pos: where.pos, depth: where.depth + 1 };
  if (kind === 'array') return arraysEqual(ev, a as unknown[], b as unknown[], inner);
  return mapsEqual(ev, a as PlainMap, b as PlainMap, inner);
}

function arraysEqual(ev: Evaluation, a: unknown[], b: unknown[], where: Where): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (!equalAt(ev, a[i], b[i], where)) return false;
  return true;
}

function mapsEqual(ev: Evaluation, a: PlainMap, b: PlainMap, where: Where): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) => Object.hasOwn(b, key) && equalAt(ev, ownProperty(a, key), ownProperty(b, key), where),
  );
}

// ---------------------------------------------------------------------------------------------
// Built-in functions

type Builtin = (ev: Evaluation, node: NodeOf<'call'>) => Value;

/** A built-in whose arguments are evaluated first (all but the predicates). */
function eager(fn: (ev: Evaluation, args: Value[], pos: number) => Value): Builtin {
  return (ev, node) =>
    fn(
      ev,
      node.args.map((arg) => ev.evaluate(arg)),
      node.pos,
    );
}

/** A built-in of one argument. */
function single(fn: (value: Value, ev: Evaluation, pos: number) => Value): Builtin {
  return eager((ev, args, pos) => fn(args[0] ?? null, ev, pos));
}

function needNumber(name: string, value: Value, pos: number): number {
  if (typeof value !== 'number')
    throw new EvalFailure(`${name} needs a number, got ${kindOf(value)}`, pos);
  return value;
}

function needString(name: string, value: Value, pos: number): string {
  if (typeof value !== 'string')
    throw new EvalFailure(`${name} needs a string, got ${kindOf(value)}`, pos);
  return value;
}

function needArray(name: string, value: Value, pos: number): readonly unknown[] {
  if (!Array.isArray(value))
    throw new EvalFailure(`${name} needs an array, got ${kindOf(value)}`, pos);
  return value as readonly unknown[];
}

function needMap(name: string, value: Value, pos: number): PlainMap {
  if (!isPlainObject(value))
    throw new EvalFailure(`${name} needs a map, got ${kindOf(value)}`, pos);
  return value;
}

function math(name: string, fn: (x: number) => number): Builtin {
  return single((value, _, pos) => fn(needNumber(name, value, pos)));
}

/** The numbers in the arguments, arrays flattened, as expr-lang's min/max/mean/median take them. */
function numbersIn(ev: Evaluation, name: string, args: Value[], pos: number): number[] {
  const found: number[] = [];
  const stack: unknown[] = [];
  pushReversed(stack, args);
  while (stack.length > 0) {
    const item = stack.pop();
    ev.charge(1, pos);
    if (typeof item === 'number') found.push(item);
    else if (Array.isArray(item)) pushReversed(stack, item as unknown[]);
    else throw new EvalFailure(`${name} needs numbers, got ${kindOf(item)}`, pos);
  }
  return found;
}

/** Largest or smallest number; nil when there are none, as in expr-lang. */
function extreme(name: string, larger: boolean): Builtin {
  return eager((ev, args, pos) => {
    const [first, ...rest] = numbersIn(ev, name, args, pos);
    if (first === undefined) return null;
    return rest.reduce((best, x) => ((larger ? x > best : x < best) ? x : best), first);
  });
}

function median(values: number[]): number {
  // NaN sorts first, as Go's sort.Float64s puts it.
  const sorted = [...values].sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const integerText = /^[+-]?\d+$/;
const decimalText = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const infinityText = /^([+-]?)inf(?:inity)?$/i;

/** `int`/`asInt`: truncates numbers, parses base-10 integer strings. */
function toInteger(name: string): Builtin {
  return single((value, _, pos) => {
    if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
    if (typeof value === 'string' && integerText.test(value)) return Number(value);
    throw new EvalFailure(`${name} cannot convert ${describeValue(value)} to an integer`, pos);
  });
}

/** `float`/`asFloat`: numbers as they are, strings as Go's strconv.ParseFloat reads them. */
function toFloat(name: string): Builtin {
  return single((value, _, pos) => {
    const parsed = typeof value === 'string' ? parseFloatText(value) : value;
    if (typeof parsed !== 'number') {
      throw new EvalFailure(`${name} cannot convert ${describeValue(value)} to a number`, pos);
    }
    return parsed;
  });
}

function parseFloatText(text: string): number | undefined {
  if (text.toLowerCase() === 'nan') return Number.NaN;
  const infinity = infinityText.exec(text);
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity;
  const parsed = decimalText.test(text) ? Number(text) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Go's %v rendering, which is what expr-lang's string() returns. */
function formatGo(ev: Evaluation, value: unknown, pos: number, depth = 0): string {
  ev.charge(1, pos);
  if (depth > maxValueDepth) {
    throw new EvalFailure(
      `cannot format values nested more than ${maxValueDepth} levels deep`,
      pos,
    );
  }
  const kind = kindOf(value);
  if (kind === 'nil') return '<nil>';
  if (kind === 'number') return formatNumber(value as number);
  if (kind === 'string' || kind === 'bool') return String(value);
  if (kind === 'array') {
    const items = Array.from(value as unknown[], (item) => formatGo(ev, item, pos, depth + 1));
    return `[${items.join(' ')}]`;
  }
  if (kind === 'map') return formatGoMap(ev, value as PlainMap, pos, depth);
  throw new EvalFailure('the input holds an unsupported value', pos);
}

function formatGoMap(ev: Evaluation, map: PlainMap, pos: number, depth: number): string {
  const keys = Object.keys(map).sort();
  const pairs = keys.map((key) => `${key}:${formatGo(ev, ownProperty(map, key), pos, depth + 1)}`);
  return `map[${pairs.join(' ')}]`;
}

function trim(ev: Evaluation, args: Value[], pos: number): string {
  const text = needString('trim', args[0] ?? null, pos);
  ev.charge(text.length, pos);
  if (args.length < 2) return text.trim();
  const cut = new Set(Array.from(needString('trim', args[1] ?? null, pos)));
  const chars = Array.from(text);
  let start = 0;
  let end = chars.length;
  while (start < end && cut.has(chars[start] as string)) start += 1;
  while (end > start && cut.has(chars[end - 1] as string)) end -= 1;
  return chars.slice(start, end).join('');
}

/** Go's strings.SplitN: n < 0 splits everywhere, n == 0 gives nothing, n > 0 at most n parts. */
function split(ev: Evaluation, args: Value[], pos: number): Value {
  const text = needString('split', args[0] ?? null, pos);
  const separator = needString('split', args[1] ?? null, pos);
  const limit = args.length > 2 ? args[2] : -1;
  if (!isInteger(limit))
    throw new EvalFailure(`split needs an integer count, got ${kindOf(limit)}`, pos);
  ev.charge(text.length, pos);
  if (limit === 0) return [];
  const parts = separator === '' ? Array.from(text) : text.split(separator);
  if (limit < 0 || parts.length <= limit) return parts;
  return [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(separator)];
}

function join(ev: Evaluation, args: Value[], pos: number): string {
  const items = needArray('join', args[0] ?? null, pos);
  const glue = args.length > 1 ? needString('join', args[1] ?? null, pos) : '';
  ev.charge(items.length, pos);
  const texts = Array.from(items, (item) => {
    if (typeof item !== 'string')
      throw new EvalFailure(`join needs strings, got ${kindOf(item)}`, pos);
    ev.charge(item.length, pos);
    return item;
  });
  return texts.join(glue);
}

/** first/last: nil for an empty array or nil, as in expr-lang. */
function end(name: string, last: boolean): Builtin {
  return single((value, _, pos) => {
    if (value === null) return null;
    const items = needArray(name, value, pos);
    if (items.length === 0) return null;
    return elementAt(items, last ? items.length - 1 : 0, pos);
  });
}

function length(ev: Evaluation, value: Value, pos: number): number {
  if (typeof value === 'string') return codePoints(ev, value, pos).length;
  if (Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new EvalFailure(`len needs a string, an array or a map, got ${kindOf(value)}`, pos);
}

function sum(ev: Evaluation, value: Value, pos: number): number {
  const items = needArray('sum', value, pos);
  ev.charge(items.length, pos);
  let total = 0;
  for (let i = 0; i < items.length; i += 1)
    total += needNumber('sum', elementAt(items, i, pos), pos);
  return total;
}

// Predicates: the second argument is a closure evaluated once per element with `#` bound to it.

interface Predicate {
  readonly ev: Evaluation;
  readonly items: readonly unknown[];
  readonly body: Node;
  readonly node: NodeOf<'call'>;
}

function predicate(fn: (p: Predicate) => Value): Builtin {
  return (ev, node) => {
    const [source, closure] = node.args as [Node, Node];
    const items = needArray(node.name, ev.evaluate(source), node.pos);
    const body = closure.kind === 'closure' ? closure.body : closure;
    return fn({ ev, items, body, node });
  };
}

function apply(p: Predicate, index: number): Value {
  return p.ev.withElement(p.body, elementAt(p.items, index, p.node.pos), index);
}

function holds(p: Predicate, index: number): boolean {
  const result = apply(p, index);
  if (typeof result !== 'boolean') {
    throw new EvalFailure(
      `the closure of ${p.node.name} returned ${describeValue(result)}, not a bool`,
      p.node.pos,
    );
  }
  return result;
}

/** The first index whose closure result is `wanted`. */
function firstWhere(p: Predicate, wanted: boolean): number | undefined {
  for (let i = 0; i < p.items.length; i += 1) {
    if (holds(p, i) === wanted) return i;
  }
  return undefined;
}

/** Indexes of the elements the closure holds for, stopping once `enough` are found. */
function matching(p: Predicate, enough = Infinity): number[] {
  const found: number[] = [];
  for (let i = 0; i < p.items.length && found.length < enough; i += 1) {
    if (holds(p, i)) found.push(i);
  }
  return found;
}

const builtins: { readonly [K in BuiltinName]: Builtin } = {
  len: single((value, ev, pos) => length(ev, value, pos)),
  abs: math('abs', Math.abs),
  ceil: math('ceil', Math.ceil),
  floor: math('floor', Math.floor),
  // Go's math.Round: halves round away from zero.
  round: math('round', (x) => Math.sign(x) * Math.round(Math.abs(x))),
  min: extreme('min', false),
  max: extreme('max', true),
  sum: single((value, ev, pos) => sum(ev, value, pos)),
  // nil rather than expr-lang's 0 for no values: "no data" must not read as a perfect score.
  mean: eager((ev, args, pos) => {
    const values = numbersIn(ev, 'mean', args, pos);
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  }),
  median: eager((ev, args, pos) => {
    const values = numbersIn(ev, 'median', args, pos);
    return values.length === 0 ? null : median(values);
  }),
  int: toInteger('int'),
  float: toFloat('float'),
  string: single((value, ev, pos) => formatGo(ev, value, pos)),
  asInt: toInteger('asInt'),
  asFloat: toFloat('asFloat'),
  isNaN: single((value, _, pos) => Number.isNaN(needNumber('isNaN', value, pos))),
  isInf: single((value, _, pos) => {
    const x = needNumber('isInf', value, pos);
    return x === Infinity || x === -Infinity;
  }),
  isNil: single((value) => value === null),
  default: eager((_, [value, fallback]) => value ?? fallback ?? null),
  upper: single((value, ev, pos) => {
    const text = needString('upper', value, pos);
    ev.charge(text.length, pos);
    return text.toUpperCase();
  }),
  lower: single((value, ev, pos) => {
    const text = needString('lower', value, pos);
    ev.charge(text.length, pos);
    return text.toLowerCase();
  }),
  trim: eager(trim),
  split: eager(split),
  join: eager(join),
  keys: single((value, ev, pos) => {
    const keys = Object.keys(needMap('keys', value, pos));
    ev.charge(keys.length, pos);
    return keys;
  }),
  values: single((value, ev, pos) => {
    const map = needMap('values', value, pos);
    return valuesOf(
      ev,
      Object.keys(map).map((key) => ownProperty(map, key)),
      pos,
    );
  }),
  first: end('first', false),
  last: end('last', true),
  all: predicate((p) => firstWhere(p, false) === undefined),
  any: predicate((p) => firstWhere(p, true) !== undefined),
  none: predicate((p) => firstWhere(p, true) === undefined),
  one: predicate((p) => matching(p, 2).length === 1),
  filter: predicate((p) => {
    p.ev.charge(p.items.length, p.node.pos);
    return matching(p).map((i) => elementAt(p.items, i, p.node.pos));
  }),
  map: predicate((p) => {
    p.ev.charge(p.items.length, p.node.pos);
    return Array.from(p.items, (_, i) => apply(p, i));
  }),
  count: predicate((p) => matching(p).length),
  find: predicate((p) => {
    const index = firstWhere(p, true);
    return index === undefined ? null : elementAt(p.items, index, p.node.pos);
  }),
};

// ---------------------------------------------------------------------------------------------
// `matches`: RE2 syntax (what Go's regexp, and so expr-lang, accepts) run by a Thompson-NFA
// simulation in time linear in the subject. JavaScript's RegExp backtracks: `.*.*x` against
// 10,000 characters runs for minutes, and there is no way to interrupt it. Only a yes/no answer
// is needed, so there are no captures and greedy and lazy repetition are the same.

/** Instructions the compiled pattern may have once counted repetitions are expanded. */
const maxInstructions = 2_000;
/** Largest count in `{n}`, `{n,}` and `{n,m}`, as in RE2. */
const maxRepeat = 1_000;

type CharTest = (code: number) => boolean;
type Assertion =
  'textStart' | 'textEnd' | 'lineStart' | 'lineEnd' | 'wordBoundary' | 'notWordBoundary';

type Pattern =
  | { readonly t: 'char'; readonly test: CharTest }
  | { readonly t: 'assert'; readonly kind: Assertion }
  | { readonly t: 'cat'; readonly items: readonly Pattern[] }
  | { readonly t: 'alt'; readonly items: readonly Pattern[] }
  | { readonly t: 'repeat'; readonly item: Pattern; readonly min: number; readonly max: number };

type Instruction =
  | { readonly op: 'char'; readonly test: CharTest }
  | { readonly op: 'assert'; readonly kind: Assertion }
  | { op: 'split'; x: number; y: number }
  | { op: 'jump'; x: number }
  | { readonly op: 'match' };

interface Flags {
  readonly i: boolean;
  readonly m: boolean;
  readonly s: boolean;
}

class PatternFailure extends Error {}

function matches(ev: Evaluation, text: string, pattern: string, pos: number): boolean {
  if (pattern.length > maxPatternLength) {
    throw new EvalFailure(
      `matches: the pattern is longer than ${maxPatternLength} characters`,
      pos,
    );
  }
  if (text.length > maxSubjectLength) {
    throw new EvalFailure(`matches: the string is longer than ${maxSubjectLength} characters`, pos);
  }
  let program: Instruction[];
  try {
    program = compilePattern(pattern);
  } catch (error) {
    if (!(error instanceof PatternFailure)) throw error;
    throw new EvalFailure(
      `invalid regular expression ${JSON.stringify(pattern)}: ${error.message}`,
      pos,
    );
  }
  return runPattern(ev, program, text, pos);
}

/** Compiles an RE2 pattern; throws PatternFailure. */
function compilePattern(pattern: string): Instruction[] {
  const parsed = new PatternParser(Array.from(pattern)).parse();
  const program: Instruction[] = [];
  emitPattern(program, parsed);
  emit(program, { op: 'match' });
  return program;
}

const isWordCode = (code: number | undefined): boolean =>
  code !== undefined &&
  ((code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95);
const isDigitCode: CharTest = (code) => code >= 48 && code <= 57;
const isSpaceCode: CharTest = (code) => code === 32 || (code >= 9 && code <= 13 && code !== 11);
const anyCode: CharTest = () => true;
const notNewline: CharTest = (code) => code !== 10;
const not =
  (test: CharTest): CharTest =>
  (code) =>
    !test(code);

const classEscapes: ReadonlyMap<string, CharTest> = new Map([
  ['d', isDigitCode],
  ['D', not(isDigitCode)],
  ['w', isWordCode],
  ['W', not(isWordCode)],
  ['s', isSpaceCode],
  ['S', not(isSpaceCode)],
]);
const assertionEscapes: ReadonlyMap<string, Assertion> = new Map([
  ['b', 'wordBoundary'],
  ['B', 'notWordBoundary'],
  ['A', 'textStart'],
  ['z', 'textEnd'],
]);
const controlEscapes: ReadonlyMap<string, number> = new Map([
  ['n', 10],
  ['t', 9],
  ['r', 13],
  ['f', 12],
  ['v', 11],
  ['a', 7],
]);

/** Upper- and lower-case forms of a character (itself included), for the `i` flag. */
function caseVariants(code: number): number[] {
  const char = String.fromCodePoint(code);
  const forms = [char, char.toLowerCase(), char.toUpperCase()];
  return forms
    .filter((form) => [...form].length === 1)
    .map((form) => form.codePointAt(0) as number);
}

function caseless(test: CharTest): CharTest {
  return (code) => caseVariants(code).some(test);
}

function missingArgument(): never {
  throw new PatternFailure('missing argument to repetition operator');
}

class PatternParser {
  private pos = 0;
  private flags: Flags = { i: false, m: false, s: false };
  private readonly atoms: ReadonlyMap<string, () => Pattern> = new Map<string, () => Pattern>([
    ['(', () => this.group()],
    ['[', () => this.charClass()],
    ['.', () => ({ t: 'char', test: this.flags.s ? anyCode : notNewline })],
    ['^', () => ({ t: 'assert', kind: this.flags.m ? 'lineStart' : 'textStart' })],
    ['$', () => ({ t: 'assert', kind: this.flags.m ? 'lineEnd' : 'textEnd' })],
    ['\\', () => this.escape()],
    ['*', missingArgument],
    ['+', missingArgument],
    ['?', missingArgument],
  ]);

  constructor(private readonly chars: readonly string[]) {}

  parse(): Pattern {
    const pattern = this.alternation();
    if (this.pos < this.chars.length) throw new PatternFailure('unexpected )');
    return pattern;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private alternation(): Pattern {
    const items = [this.sequence()];
    while (this.peek() === '|') {
      this.pos += 1;
      items.push(this.sequence());
    }
    return items.length === 1 ? (items[0] as Pattern) : { t: 'alt', items };
  }

  private sequence(): Pattern {
    const items: Pattern[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      items.push(this.repetition());
    }
    return { t: 'cat', items };
  }

  private repetition(): Pattern {
    const item = this.atom();
    const bounds = this.quantifier();
    if (!bounds) return item;
    if (this.peek() === '?') this.pos += 1;
    const saved = this.pos;
    if (this.quantifier()) {
      this.pos = saved;
      throw new PatternFailure('invalid nested repetition operator');
    }
    return { t: 'repeat', item, min: bounds[0], max: bounds[1] };
  }

  private quantifier(): [number, number] | undefined {
    const c = this.peek();
    const simple = new Map<string | undefined, [number, number]>([
      ['*', [0, Infinity]],
      ['+', [1, Infinity]],
      ['?', [0, 1]],
    ]).get(c);
    if (simple) {
      this.pos += 1;
      return simple;
    }
    return c === '{' ? this.counted() : undefined;
  }

  /** `{n}`, `{n,}` or `{n,m}`; anything else after `{` is a literal brace, as in RE2. */
  private counted(): [number, number] | undefined {
    const found = /^\{(\d+)(,(\d*))?\}/.exec(this.chars.slice(this.pos, this.pos + 12).join(''));
    if (!found) return undefined;
    const min = Number(found[1]);
    const max = found[2] === undefined ? min : found[3] ? Number(found[3]) : Infinity;
    if (min > maxRepeat || (max !== Infinity && max > maxRepeat) || max < min) {
      throw new PatternFailure(`invalid repeat count ${found[0]}`);
    }
    this.pos += found[0].length;
    return [min, max];
  }

  private atom(): Pattern {
    const c = this.chars[this.pos] as string;
    this.pos += 1;
    const special = this.atoms.get(c);
    return special ? special() : this.literal(c.codePointAt(0) as number);
  }

  private literal(code: number): Pattern {
    const variants = this.flags.i ? caseVariants(code) : [code];
    return { t: 'char', test: (x) => variants.includes(x) };
  }

  private escape(): Pattern {
    const escaped = this.escapeCode();
    if (typeof escaped === 'number') return this.literal(escaped);
    if (typeof escaped === 'string') return { t: 'assert', kind: escaped };
    return { t: 'char', test: escaped };
  }

  /** The character, class or assertion after a backslash. */
  private escapeCode(): number | CharTest | Assertion {
    const c = this.peek();
    this.pos += 1;
    if (c === undefined) throw new PatternFailure('trailing backslash at end of expression');
    const found = classEscapes.get(c) ?? assertionEscapes.get(c) ?? controlEscapes.get(c);
    if (found !== undefined) return found;
    if (c === 'x') return this.hexEscape();
    if (/[0-9A-Za-z]/.test(c)) throw new PatternFailure(`invalid escape sequence \\${c}`);
    return c.codePointAt(0) as number;
  }

  private hexEscape(): number {
    const rest = this.chars.slice(this.pos, this.pos + 10).join('');
    const found = /^(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{2}))/.exec(rest);
    const code = found ? Number.parseInt(found[1] ?? found[2] ?? '', 16) : Number.NaN;
    if (!found || !(code <= 0x10ffff)) throw new PatternFailure('invalid escape sequence \\x');
    this.pos += found[0].length;
    return code;
  }

  private group(): Pattern {
    const outer = this.flags;
    if (this.peek() === '?') {
      this.pos += 1;
      // `(?i)` changes the flags until the enclosing group ends and matches nothing itself.
      if (this.groupPrefix()) return { t: 'cat', items: [] };
    }
    const inner = this.alternation();
    if (this.peek() !== ')') throw new PatternFailure('missing closing )');
    this.pos += 1;
    this.flags = outer;
    return inner;
  }

  /** Reads what follows `(?`; true for a bare flag group such as `(?i)`. */
  private groupPrefix(): boolean {
    const c = this.peek();
    if (c === '=' || c === '!' || (c === '<' && (this.peek(1) === '=' || this.peek(1) === '!'))) {
      throw new PatternFailure('lookaround is not supported (RE2 syntax)');
    }
    if (c === 'P' || c === '<') {
      const close = this.chars.indexOf('>', this.pos);
      if (close < 0) throw new PatternFailure('invalid named capture');
      this.pos = close + 1;
      return false;
    }
    return this.flagGroup();
  }

  private flagGroup(): boolean {
    let on = true;
    const flags = { ...this.flags };
    for (let c = this.peek(); c !== ':' && c !== ')'; c = this.peek()) {
      if (c === '-') on = false;
      else if (c === 'i' || c === 'm' || c === 's') flags[c] = on;
      else if (c !== 'U') throw new PatternFailure('invalid or unsupported Perl syntax');
      this.pos += 1;
    }
    this.flags = flags;
    this.pos += 1;
    return this.chars[this.pos - 1] === ')';
  }

  private charClass(): Pattern {
    const negate = this.peek() === '^';
    if (negate) this.pos += 1;
    const tests: CharTest[] = [this.classItem()];
    while (this.peek() !== ']') tests.push(this.classItem());
    this.pos += 1;
    let test: CharTest = (code) => tests.some((t) => t(code));
    if (this.flags.i) test = caseless(test);
    return { t: 'char', test: negate ? not(test) : test };
  }

  /** One member of a class: a character, a range or an escape such as `\d`. */
  private classItem(): CharTest {
    if (this.peek() === undefined) throw new PatternFailure('missing closing ]');
    if (this.peek() === '[' && this.peek(1) === ':') {
      throw new PatternFailure('POSIX character classes are not supported');
    }
    const low = this.classChar();
    if (typeof low === 'function') return low;
    if (this.peek() !== '-' || this.peek(1) === ']' || this.peek(1) === undefined) {
      return (code) => code === low;
    }
    this.pos += 1;
    const high = this.classChar();
    if (typeof high === 'function' || high < low)
      throw new PatternFailure('invalid character class range');
    return (code) => code >= low && code <= high;
  }

  private classChar(): number | CharTest {
    const c = this.chars[this.pos] as string;
    this.pos += 1;
    if (c !== '\\') return c.codePointAt(0) as number;
    const escaped = this.escapeCode();
    if (typeof escaped === 'string') throw new PatternFailure('invalid escape in character class');
    return escaped;
  }
}

function emit(program: Instruction[], instruction: Instruction): number {
  if (program.length >= maxInstructions) {
    throw new PatternFailure('pattern is too large once its repetitions are expanded');
  }
  program.push(instruction);
  return program.length - 1;
}

function emitPattern(program: Instruction[], pattern: Pattern): void {
  switch (pattern.t) {
    case 'char':
      emit(program, { op: 'char', test: pattern.test });
      return;
    case 'assert':
      emit(program, { op: 'assert', kind: pattern.kind });
      return;
    case 'cat':
      for (const item of pattern.items) emitPattern(program, item);
      return;
    case 'alt':
      emitAlternation(program, pattern.items);
      return;
    case 'repeat':
      emitRepeat(program, pattern);
  }
}

function emitAlternation(program: Instruction[], items: readonly Pattern[]): void {
  const jumps: { op: 'jump'; x: number }[] = [];
  items.forEach((item, i) => {
    if (i === items.length - 1) return emitPattern(program, item);
    const split = { op: 'split' as const, x: program.length + 1, y: 0 };
    emit(program, split);
    emitPattern(program, item);
    const jump = { op: 'jump' as const, x: 0 };
    emit(program, jump);
    jumps.push(jump);
    split.y = program.length;
  });
  for (const jump of jumps) jump.x = program.length;
}

function emitRepeat(program: Instruction[], pattern: Extract<Pattern, { t: 'repeat' }>): void {
  for (let i = 0; i < pattern.min; i += 1) emitPattern(program, pattern.item);
  if (pattern.max === Infinity) {
    const loop = { op: 'split' as const, x: program.length + 1, y: 0 };
    const start = emit(program, loop);
    emitPattern(program, pattern.item);
    emit(program, { op: 'jump', x: start });
    loop.y = program.length;
    return;
  }
  const skips: { op: 'split'; x: number; y: number }[] = [];
  for (let i = pattern.min; i < pattern.max; i += 1) {
    const skip = { op: 'split' as const, x: program.length + 1, y: 0 };
    emit(program, skip);
    skips.push(skip);
    emitPattern(program, pattern.item);
  }
  for (const skip of skips) skip.y = program.length;
}

const assertions: { readonly [K in Assertion]: (text: readonly number[], at: number) => boolean } =
  {
    textStart: (_, at) => at === 0,
    textEnd: (text, at) => at === text.length,
    lineStart: (text, at) => at === 0 || text[at - 1] === 10,
    lineEnd: (text, at) => at === text.length || text[at] === 10,
    wordBoundary: (text, at) => isWordCode(text[at - 1]) !== isWordCode(text[at]),
    notWordBoundary: (text, at) => isWordCode(text[at - 1]) === isWordCode(text[at]),
  };

/** The threads alive at one position of the subject. */
interface Threads {
  readonly program: readonly Instruction[];
  readonly text: readonly number[];
  readonly at: number;
  /** The position each instruction was last added at, so no thread is added twice. */
  readonly marks: Int32Array;
  readonly list: number[];
}

/** Whether the pattern matches anywhere in the text: one pass, at most one thread per instruction. */
function runPattern(
  ev: Evaluation,
  program: readonly Instruction[],
  subject: string,
  pos: number,
): boolean {
  const text = Array.from(subject, (char) => char.codePointAt(0) as number);
  const marks = new Int32Array(program.length).fill(-1);
  let list: number[] = [];
  for (let at = 0; ; at += 1) {
    // A thread starts at every position: the search is unanchored.
    const visited = follow({ program, text, at, marks, list }, 0);
    if (visited < 0) return true;
    if (at === text.length) return false;
    const next: number[] = [];
    let work = visited + list.length;
    for (const pc of list) {
      const instruction = program[pc] as Extract<Instruction, { op: 'char' }>;
      if (!instruction.test(text[at] as number)) continue;
      const more = follow({ program, text, at: at + 1, marks, list: next }, pc + 1);
      if (more < 0) return true;
      work += more;
    }
    ev.charge(work, pos);
    list = next;
  }
}

/**
 * Adds the thread at `start` and everything reachable from it without consuming a character.
 * Returns how many instructions it visited, or -1 once the pattern has matched.
 */
function follow(threads: Threads, start: number): number {
  const { program, text, at, marks, list } = threads;
  const stack = [start];
  let visited = 0;
  for (let pc = stack.pop(); pc !== undefined; pc = stack.pop()) {
    if (marks[pc] === at) continue;
    marks[pc] = at;
    visited += 1;
    const instruction = program[pc] as Instruction;
    if (instruction.op === 'match') return -1;
    if (instruction.op === 'char') list.push(pc);
    else if (instruction.op === 'jump') stack.push(instruction.x);
    else if (instruction.op === 'split') stack.push(instruction.y, instruction.x);
    else if (assertions[instruction.kind](text, at)) stack.push(pc + 1);
  }
  return visited;
}
