// Parses analysis conditions written in expr-lang's dialect (github.com/expr-lang/expr), the
// language of Argo Rollouts' successCondition and failureCondition, into a small AST.
// Hand-written on purpose: no npm library implements expr-lang's dialect (closures with `#`,
// `and`/`or`/`not`, `??`, `in`, chained comparisons) and evaluates it over plain data without
// eval. Precedence and associativity copy expr-lang's operator table, so a condition groups
// the same way here as in Argo; see docs/analysis-conditions.md.
import { describePosition, lex, maxSourceLength, SyntaxFailure, type Token } from './lexer.js';

/** Deepest nesting the parser accepts, both while parsing and in the finished tree. */
export const maxDepth = 100;

/** Binary operators after aliases are folded (`&&` is `and`, `^` is `**`). */
export type BinaryOp =
  | '??'
  | 'or'
  | 'and'
  | '=='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'in'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'matches'
  | '..'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '**';

/** A literal value written in the condition. */
export type LiteralValue = null | boolean | number | string;

/** One node of a parsed condition; `pos` is the source offset errors point at. */
export type Node =
  | { readonly kind: 'literal'; readonly pos: number; readonly value: LiteralValue }
  | { readonly kind: 'name'; readonly pos: number; readonly name: string }
  | { readonly kind: 'pointer'; readonly pos: number; readonly index: boolean }
  | { readonly kind: 'array'; readonly pos: number; readonly items: readonly Node[] }
  | { readonly kind: 'map'; readonly pos: number; readonly entries: readonly MapEntry[] }
  | {
      readonly kind: 'member';
      readonly pos: number;
      readonly object: Node;
      readonly property: Node;
      readonly optional: boolean;
    }
  | {
      readonly kind: 'slice';
      readonly pos: number;
      readonly object: Node;
      readonly from: Node | undefined;
      readonly to: Node | undefined;
      readonly optional: boolean;
    }
  | { readonly kind: 'chain'; readonly pos: number; readonly node: Node }
  | { readonly kind: 'unary'; readonly pos: number; readonly op: UnaryOp; readonly operand: Node }
  | {
      readonly kind: 'binary';
      readonly pos: number;
      readonly op: BinaryOp;
      readonly left: Node;
      readonly right: Node;
    }
  | {
      readonly kind: 'conditional';
      readonly pos: number;
      readonly test: Node;
      readonly then: Node;
      readonly otherwise: Node;
    }
  | {
      readonly kind: 'call';
      readonly pos: number;
      readonly name: BuiltinName;
      readonly args: readonly Node[];
    }
  | { readonly kind: 'closure'; readonly pos: number; readonly body: Node };

/** A key and value of a map literal. */
export interface MapEntry {
  readonly key: Node;
  readonly value: Node;
}

/** Unary operators after aliases are folded (`!` is `not`). */
export type UnaryOp = 'not' | '-' | '+';

/** Argument counts of the built-in functions; nothing else can be called. */
export const builtinArity = {
  len: [1, 1],
  abs: [1, 1],
  ceil: [1, 1],
  floor: [1, 1],
  round: [1, 1],
  min: [1, Infinity],
  max: [1, Infinity],
  sum: [1, 1],
  mean: [1, Infinity],
  median: [1, Infinity],
  int: [1, 1],
  float: [1, 1],
  string: [1, 1],
  asInt: [1, 1],
  asFloat: [1, 1],
  isNaN: [1, 1],
  isInf: [1, 1],
  isNil: [1, 1],
  default: [2, 2],
  upper: [1, 1],
  lower: [1, 1],
  trim: [1, 2],
  split: [2, 3],
  join: [1, 2],
  keys: [1, 1],
  values: [1, 1],
  first: [1, 1],
  last: [1, 1],
  all: [2, 2],
  any: [2, 2],
  none: [2, 2],
  one: [2, 2],
  filter: [2, 2],
  map: [2, 2],
  count: [2, 2],
  find: [2, 2],
} as const satisfies Record<string, readonly [number, number]>;

/** The name of a built-in function. */
export type BuiltinName = keyof typeof builtinArity;

/** Built-ins whose second argument is a closure over each element (`#`). */
export const predicateBuiltins: ReadonlySet<BuiltinName> = new Set<BuiltinName>([
  'all',
  'any',
  'none',
  'one',
  'filter',
  'map',
  'count',
  'find',
]);

/** The outcome of parsing: a tree, or a message that names the position. */
export type ParseResult = { ok: true; ast: Node } | { ok: false; error: string };

/** Parses a condition; never throws. */
export function parse(source: string): ParseResult {
  if (source.length > maxSourceLength) {
    return { ok: false, error: `condition is longer than ${maxSourceLength} characters` };
  }
  try {
    const parser = new Parser(lex(source));
    const ast = parser.condition();
    checkTreeDepth(ast);
    return { ok: true, ast };
  } catch (error) {
    if (!(error instanceof SyntaxFailure)) throw error;
    return { ok: false, error: `${error.message} at ${describePosition(source, error.pos)}` };
  }
}

interface BinarySpec {
  readonly op: BinaryOp;
  readonly prec: number;
  readonly right: boolean;
}

interface Infix extends BinarySpec {
  readonly text: string;
  readonly pos: number;
  /** Where `not` was written, for `not in` and friends. */
  readonly notPos: number | undefined;
}

const comparisonPrec = 20;

function spec(op: BinaryOp, prec: number, right = false): BinarySpec {
  return { op, prec, right };
}

// expr-lang's table (parser/operator/operator.go), including `??` binding tightest.
const binaryOperators: ReadonlyMap<string, BinarySpec> = new Map([
  ['or', spec('or', 10)],
  ['||', spec('or', 10)],
  ['and', spec('and', 15)],
  ['&&', spec('and', 15)],
  ...(
    [
      '==',
      '!=',
      '<',
      '>',
      '<=',
      '>=',
      'in',
      'contains',
      'startsWith',
      'endsWith',
      'matches',
    ] as const
  ).map((op) => [op, spec(op, comparisonPrec)] as const),
  ['..', spec('..', 25)],
  ['+', spec('+', 30)],
  ['-', spec('-', 30)],
  ['*', spec('*', 60)],
  ['/', spec('/', 60)],
  ['%', spec('%', 60)],
  ['**', spec('**', 100, true)],
  ['^', spec('**', 100, true)],
  ['??', spec('??', 500)],
]);

const unaryOperators: ReadonlyMap<string, { op: UnaryOp; prec: number }> = new Map([
  ['not', { op: 'not', prec: 50 }],
  ['!', { op: 'not', prec: 50 }],
  ['-', { op: '-', prec: 90 }],
  ['+', { op: '+', prec: 90 }],
]);

const negatable = new Set(['in', 'contains', 'startsWith', 'endsWith', 'matches']);

/** Words that are operators but still serve as property names after a dot, as in expr-lang. */
const propertyWords = /^[\p{L}_$][\p{L}\p{Nd}_$]*$/u;

function describeToken(token: Token): string {
  if (token.kind === 'eof') return 'end of condition';
  const text = token.text.length > 20 ? `${token.text.slice(0, 20)}…` : token.text;
  return `token ${JSON.stringify(text)}`;
}

function unexpected(token: Token): SyntaxFailure {
  return new SyntaxFailure(`unexpected ${describeToken(token)}`, token.pos);
}

class Parser {
  private index = 0;
  private depth = 0;
  private closures = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  condition(): Node {
    const node = this.expression(0);
    const rest = this.peek();
    if (rest.kind !== 'eof') throw unexpected(rest);
    return node;
  }

  private peek(offset = 0): Token {
    const last = this.tokens[this.tokens.length - 1] as Token;
    return this.tokens[this.index + offset] ?? last;
  }

  private take(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index += 1;
    return token;
  }

  private isOp(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'op' && token.text === text;
  }

  private expect(text: string): Token {
    const token = this.peek();
    if (token.kind !== 'op' || token.text !== text) throw unexpected(token);
    return this.take();
  }

  private expression(minPrec: number): Node {
    this.depth += 1;
    if (this.depth > maxDepth) {
      throw new SyntaxFailure(
        `condition is nested too deeply (more than ${maxDepth} levels)`,
        this.peek().pos,
      );
    }
    let node = this.primary();
    let previous: Infix | undefined;
    for (let op = this.infixOperator(minPrec); op; op = this.infixOperator(minPrec)) {
      // expr-lang refuses `a ?? b + c`: the grouping would surprise either way.
      if (previous?.op === '??' && op.op !== '??') {
        throw new SyntaxFailure(
          `"??" cannot be mixed with "${op.text}" without parentheses`,
          op.pos,
        );
      }
      node = this.infix(node, op);
      previous = op;
    }
    if (minPrec === 0) node = this.conditional(node);
    this.depth -= 1;
    return node;
  }

  private infixOperator(minPrec: number): Infix | undefined {
    const token = this.peek();
    if (token.kind !== 'op') return undefined;
    if (token.text === 'not') return this.negatedOperator(minPrec);
    const found = binaryOperators.get(token.text);
    if (!found || found.prec < minPrec) return undefined;
    this.take();
    return { ...found, text: token.text, pos: token.pos, notPos: undefined };
  }

  /** `not in`, `not matches`, …: the only places `not` may follow an operand. */
  private negatedOperator(minPrec: number): Infix | undefined {
    const not = this.peek();
    const token = this.peek(1);
    if (token.kind !== 'op' || !negatable.has(token.text)) throw unexpected(token);
    if (comparisonPrec < minPrec) return undefined;
    this.index += 2;
    const found = binaryOperators.get(token.text) as BinarySpec;
    return { ...found, text: `not ${token.text}`, pos: token.pos, notPos: not.pos };
  }

  private infix(left: Node, op: Infix): Node {
    if (op.prec === comparisonPrec && op.notPos === undefined) return this.comparisons(left, op);
    const right = this.expression(op.right ? op.prec : op.prec + 1);
    const node: Node = { kind: 'binary', op: op.op, left, right, pos: op.pos };
    if (op.notPos === undefined) return node;
    return { kind: 'unary', op: 'not', operand: node, pos: op.notPos };
  }

  /** `a < b < c` means `a < b and b < c`, as in expr-lang. */
  private comparisons(left: Node, first: Infix): Node {
    let op: BinarySpec & { pos: number } = first;
    let operand = left;
    let root: Node | undefined;
    for (;;) {
      const right = this.expression(comparisonPrec + 1);
      const comparison: Node = { kind: 'binary', op: op.op, left: operand, right, pos: op.pos };
      root = root
        ? { kind: 'binary', op: 'and', left: root, right: comparison, pos: op.pos }
        : comparison;
      const next = this.peek();
      const found = next.kind === 'op' ? binaryOperators.get(next.text) : undefined;
      if (found?.prec !== comparisonPrec) return root;
      this.take();
      op = { ...found, pos: next.pos };
      operand = right;
    }
  }

  private conditional(test: Node): Node {
    if (!this.isOp('?')) return test;
    const question = this.take();
    const then = this.expression(0);
    this.expect(':');
    const otherwise = this.expression(0);
    return { kind: 'conditional', test, then, otherwise, pos: question.pos };
  }

  private primary(): Node {
    const token = this.peek();
    const unary = token.kind === 'op' ? unaryOperators.get(token.text) : undefined;
    if (unary) {
      this.take();
      const operand = this.expression(unary.prec);
      return this.postfix({ kind: 'unary', op: unary.op, operand, pos: token.pos });
    }
    if (this.isOp('(')) {
      this.take();
      const inner = this.expression(0);
      this.expect(')');
      return this.postfix(inner);
    }
    if (token.kind === 'pointer' || this.isOp('.')) return this.postfix(this.pointer(token));
    return this.postfix(this.secondary());
  }

  /** `#`, `#index`, or the `.field` shorthand for `#.field`, all only inside a closure. */
  private pointer(token: Token): Node {
    if (this.closures === 0) {
      throw new SyntaxFailure(
        `${JSON.stringify(token.text)} can only be used inside a closure`,
        token.pos,
      );
    }
    if (token.kind === 'op') return { kind: 'pointer', index: false, pos: token.pos };
    this.take();
    if (token.text !== '#' && token.text !== '#index') {
      throw new SyntaxFailure(`unknown closure variable ${JSON.stringify(token.text)}`, token.pos);
    }
    return { kind: 'pointer', index: token.text === '#index', pos: token.pos };
  }

  private secondary(): Node {
    const token = this.take();
    if (token.kind === 'number' || token.kind === 'string') {
      return { kind: 'literal', value: token.value, pos: token.pos };
    }
    if (token.kind === 'name') return this.name(token);
    if (token.kind === 'op' && token.text === '[') return this.array(token);
    if (token.kind === 'op' && token.text === '{') return this.map(token);
    throw unexpected(token);
  }

  private name(token: Token): Node {
    const literals: Readonly<Record<string, LiteralValue>> = {
      true: true,
      false: false,
      nil: null,
    };
    if (Object.hasOwn(literals, token.text)) {
      return { kind: 'literal', value: literals[token.text] as LiteralValue, pos: token.pos };
    }
    if (this.isOp('(')) return this.call(token);
    return { kind: 'name', name: token.text, pos: token.pos };
  }

  private call(token: Token): Node {
    if (!Object.hasOwn(builtinArity, token.text)) {
      throw new SyntaxFailure(`unknown function ${JSON.stringify(token.text)}`, token.pos);
    }
    const name = token.text as BuiltinName;
    const closureAt = predicateBuiltins.has(name) ? 1 : -1;
    const args = this.list(')', (i) => (i === closureAt ? this.closure() : this.expression(0)));
    const [min, max] = builtinArity[name];
    if (args.length < min || args.length > max) {
      throw new SyntaxFailure(
        `${name} ${expectedArguments(min, max)}, got ${args.length}`,
        token.pos,
      );
    }
    return { kind: 'call', name, args, pos: token.pos };
  }

  /** The predicate of `all(xs, {# > 0})`; expr-lang also accepts it without braces. */
  private closure(): Node {
    const start = this.peek();
    const braced = this.isOp('{');
    if (braced) this.take();
    this.closures += 1;
    const body = this.expression(0);
    this.closures -= 1;
    if (braced) this.expect('}');
    return { kind: 'closure', body, pos: start.pos };
  }

  /** Comma-separated items up to `close` (already past the opening bracket); a trailing comma is fine. */
  private list<T>(close: string, item: (index: number) => T, opened = false): T[] {
    if (!opened) this.expect('(');
    const items: T[] = [];
    while (!this.isOp(close)) {
      if (items.length > 0) {
        this.expect(',');
        if (this.isOp(close)) break;
      }
      items.push(item(items.length));
    }
    this.expect(close);
    return items;
  }

  private array(open: Token): Node {
    const items = this.list(']', () => this.expression(0), true);
    return { kind: 'array', items, pos: open.pos };
  }

  private map(open: Token): Node {
    const entries = this.list('}', () => this.mapEntry(), true);
    return { kind: 'map', entries, pos: open.pos };
  }

  private mapEntry(): MapEntry {
    const token = this.peek();
    let key: Node;
    if (token.kind === 'name' || token.kind === 'number' || token.kind === 'string') {
      this.take();
      const text = token.kind === 'string' ? token.value : token.text;
      key = { kind: 'literal', value: text, pos: token.pos };
    } else if (this.isOp('(')) {
      key = this.expression(0);
    } else {
      throw new SyntaxFailure(
        `a map key must be a name, a string, a number or a parenthesized expression, not ${describeToken(token)}`,
        token.pos,
      );
    }
    this.expect(':');
    return { key, value: this.expression(0) };
  }

  private postfix(start: Node): Node {
    let node = start;
    let optional = false;
    for (;;) {
      if (this.isOp('.') || this.isOp('?.')) {
        optional ||= this.isOp('?.');
        node = this.dot(node);
      } else if (this.isOp('[')) {
        node = this.bracket(node, false);
      } else {
        return optional ? { kind: 'chain', node, pos: start.pos } : node;
      }
    }
  }

  private dot(object: Node): Node {
    const optional = this.take().text === '?.';
    if (optional && this.isOp('[')) return this.bracket(object, true);
    const token = this.take();
    const isName = token.kind === 'name' || (token.kind === 'op' && propertyWords.test(token.text));
    if (!isName)
      throw new SyntaxFailure(
        `expected a name after "." but found ${describeToken(token)}`,
        token.pos,
      );
    if (this.isOp('(')) {
      throw new SyntaxFailure(
        `method calls are not supported (${JSON.stringify(token.text)})`,
        token.pos,
      );
    }
    const property: Node = { kind: 'literal', value: token.text, pos: token.pos };
    return { kind: 'member', object, property, optional, pos: token.pos };
  }

  /** `a[i]`, `a[i:j]`, `a[:j]`, `a[i:]`, `a[:]`. */
  private bracket(object: Node, optional: boolean): Node {
    const open = this.expect('[');
    const from = this.isOp(':') ? undefined : this.expression(0);
    if (from && this.isOp(']')) {
      this.take();
      return { kind: 'member', object, property: from, optional, pos: open.pos };
    }
    this.expect(':');
    const to = this.isOp(']') ? undefined : this.expression(0);
    this.expect(']');
    return { kind: 'slice', object, from, to, optional, pos: open.pos };
  }
}

function expectedArguments(min: number, max: number): string {
  const plural = (n: number): string => (n === 1 ? 'argument' : 'arguments');
  if (min === max) return `expects ${min} ${plural(min)}`;
  if (max === Infinity) return `expects at least ${min} ${plural(min)}`;
  return `expects ${min} or ${max} arguments`;
}

const childrenOf: {
  readonly [K in Node['kind']]: (node: Extract<Node, { kind: K }>) => readonly (Node | undefined)[];
} = {
  literal: () => [],
  name: () => [],
  pointer: () => [],
  array: (node) => node.items,
  map: (node) => node.entries.flatMap((entry) => [entry.key, entry.value]),
  member: (node) => [node.object, node.property],
  slice: (node) => [node.object, node.from, node.to],
  chain: (node) => [node.node],
  unary: (node) => [node.operand],
  binary: (node) => [node.left, node.right],
  conditional: (node) => [node.test, node.then, node.otherwise],
  call: (node) => node.args,
  closure: (node) => [node.body],
};

/** Children of any node, for walks over the tree. */
export function children(node: Node): readonly (Node | undefined)[] {
  return (childrenOf[node.kind] as (node: Node) => readonly (Node | undefined)[])(node);
}

/**
 * Left-leaning chains (`a + b + c + …`, `a.b.c…`) are shallow to parse but deep as trees; the
 * interpreter recurses over the tree, so the tree's depth is capped too. Walked with an explicit
 * stack, so a deep tree cannot overflow this check itself.
 */
function checkTreeDepth(root: Node): void {
  const stack: [Node, number][] = [[root, 1]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, depth] = entry;
    if (depth > maxDepth) {
      throw new SyntaxFailure(
        `condition is nested too deeply (more than ${maxDepth} levels)`,
        node.pos,
      );
    }
    for (const child of children(node)) if (child) stack.push([child, depth + 1]);
  }
}
