// Splits an analysis condition into tokens. The token rules follow expr-lang's lexer (the
// language Argo Rollouts conditions are written in), so a condition that lexes there lexes here.

/** The longest condition accepted; longer sources are refused before lexing. */
export const maxSourceLength = 10_000;

/** What a token is; words such as `and` or `matches` are operators, not names. */
export type TokenKind = 'number' | 'string' | 'name' | 'op' | 'pointer' | 'eof';

/** One token of a condition. */
export interface Token {
  readonly kind: TokenKind;
  /** The source text, for error messages (and for operators, names and map keys). */
  readonly text: string;
  /** A number's value or a string's unescaped value; otherwise the text. */
  readonly value: number | string;
  /** Offset of the token's first character in the source. */
  readonly pos: number;
}

/** A lexing or parsing failure at a source offset; caught by the parser and never exported. */
export class SyntaxFailure extends Error {
  /** Offset in the source the message is about. */
  readonly pos: number;

  constructor(message: string, pos: number) {
    super(message);
    this.pos = pos;
  }
}

/** `column 12`, or `line 2, column 3` for a condition written over several lines. */
export function describePosition(source: string, pos: number): string {
  const before = source.slice(0, pos);
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = pos - lineStart + 1;
  if (!source.includes('\n')) return `column ${column}`;
  const line = before.split('\n').length;
  return `line ${line}, column ${column}`;
}

const wordOperators = new Set([
  'and',
  'or',
  'not',
  'in',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
]);

const twoCharOperators = new Set(['?.', '??', '**', '..', '==', '!=', '<=', '>=', '&&', '||']);
const oneCharOperators = new Set('?.!<>+-*/%^()[]{},:');

const identifier = /[\p{L}_$][\p{L}\p{Nd}_$]*/uy;
const numberPattern =
  /0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*|0[oO][0-7]+(?:_[0-7]+)*|0[bB][01]+(?:_[01]+)*|(?:\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?/y;
const identifierChar = /[\p{L}\p{Nd}_$]/u;
const space = /\s/u;

const simpleEscapes: ReadonlyMap<string, string> = new Map([
  ['n', '\n'],
  ['t', '\t'],
  ['r', '\r'],
  ['b', '\b'],
  ['f', '\f'],
  ['v', '\v'],
  ['a', '\x07'],
  ['\\', '\\'],
  ['"', '"'],
  ["'", "'"],
]);

const hexEscapeLengths: ReadonlyMap<string, number> = new Map([
  ['x', 2],
  ['u', 4],
  ['U', 8],
]);

/** Splits a condition into tokens, ending with an `eof` token; throws SyntaxFailure. */
export function lex(source: string): Token[] {
  const lexer = new Lexer(source);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.kind === 'eof') return tokens;
  }
}

class Lexer {
  private pos = 0;

  constructor(private readonly source: string) {}

  next(): Token {
    this.skipSpaceAndComments();
    const start = this.pos;
    const char = this.source[start];
    if (char === undefined) return { kind: 'eof', text: '', value: '', pos: start };
    if (char === '"' || char === "'") return this.quoted(char);
    if (char === '`') return this.raw();
    return this.unquoted(char);
  }

  private unquoted(char: string): Token {
    const start = this.pos;
    if (isDigit(char) || (char === '.' && isDigit(this.source[start + 1]))) return this.number();
    if (char === '#') return this.pointer();
    identifier.lastIndex = start;
    const word = identifier.exec(this.source)?.[0];
    if (word !== undefined) return this.word(word);
    return this.operator(char);
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const char = this.source[this.pos];
      if (char === undefined) return;
      if (space.test(char)) this.pos += 1;
      else if (this.source.startsWith('//', this.pos)) this.skipTo('\n', false);
      else if (this.source.startsWith('/*', this.pos)) this.skipTo('*/', true);
      else return;
    }
  }

  private skipTo(end: string, required: boolean): void {
    const found = this.source.indexOf(end, this.pos + 2);
    if (found < 0 && required) throw new SyntaxFailure('unclosed comment', this.pos);
    this.pos = found < 0 ? this.source.length : found + end.length;
  }

  private token(kind: TokenKind, start: number, value?: number | string): Token {
    const text = this.source.slice(start, this.pos);
    return { kind, text, value: value ?? text, pos: start };
  }

  private word(word: string): Token {
    const start = this.pos;
    this.pos += word.length;
    return this.token(wordOperators.has(word) ? 'op' : 'name', start);
  }

  private pointer(): Token {
    const start = this.pos;
    this.pos += 1;
    identifier.lastIndex = this.pos;
    this.pos += identifier.exec(this.source)?.[0].length ?? 0;
    return this.token('pointer', start);
  }

  private number(): Token {
    const start = this.pos;
    numberPattern.lastIndex = start;
    const text = numberPattern.exec(this.source)?.[0] ?? '';
    this.pos += text.length;
    const following = this.source[this.pos];
    if (following !== undefined && identifierChar.test(following)) {
      identifier.lastIndex = this.pos;
      const rest = identifier.exec(this.source)?.[0] ?? following;
      throw new SyntaxFailure(`invalid number "${text}${rest}"`, start);
    }
    return this.token('number', start, Number(text.replaceAll('_', '')));
  }

  private operator(char: string): Token {
    const start = this.pos;
    const two = this.source.slice(start, start + 2);
    // `a?.5:1` is a conditional with a fraction, not optional chaining (as in JavaScript).
    const optionalDigit = two === '?.' && isDigit(this.source[start + 2]);
    if (twoCharOperators.has(two) && !optionalDigit) {
      this.pos += 2;
      return this.token('op', start);
    }
    if (!oneCharOperators.has(char)) {
      throw new SyntaxFailure(`unexpected character ${JSON.stringify(char)}`, start);
    }
    this.pos += 1;
    return this.token('op', start);
  }

  private raw(): Token {
    const start = this.pos;
    const end = this.source.indexOf('`', start + 1);
    if (end < 0) throw new SyntaxFailure('unterminated string', start);
    this.pos = end + 1;
    return this.token('string', start, this.source.slice(start + 1, end));
  }

  private quoted(quote: string): Token {
    const start = this.pos;
    let value = '';
    this.pos += 1;
    for (;;) {
      const char = this.source[this.pos];
      if (char === undefined || char === '\n')
        throw new SyntaxFailure('unterminated string', start);
      this.pos += 1;
      if (char === quote) return this.token('string', start, value);
      value += char === '\\' ? this.escape() : char;
    }
  }

  private escape(): string {
    const at = this.pos - 1;
    const char = this.source[this.pos] ?? '';
    this.pos += 1;
    const simple = simpleEscapes.get(char);
    if (simple !== undefined) return simple;
    const length = hexEscapeLengths.get(char) ?? 0;
    const digits = this.source.slice(this.pos, this.pos + length);
    if (length === 0 || !isHex(digits, length)) {
      throw new SyntaxFailure(`invalid escape "\\${char}" in string`, at);
    }
    this.pos += length;
    const code = Number.parseInt(digits, 16);
    if (code > 0x10ffff) throw new SyntaxFailure(`invalid escape "\\${char}${digits}"`, at);
    return String.fromCodePoint(code);
  }
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function isHex(digits: string, length: number): boolean {
  return digits.length === length && /^[0-9a-fA-F]+$/.test(digits);
}
