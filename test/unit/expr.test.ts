// The analysis condition language: parsing, evaluation, errors with positions, and the promise
// that a condition can read nothing but the plain data it is given.
import { describe, expect, it } from 'vitest';

import {
  evaluateBoolean,
  evaluateCondition,
  parseCondition,
  type Condition,
} from '../../src/decide/expr/index.js';

type Env = Record<string, unknown>;

function parsed(source: string): Condition {
  const result = parseCondition(source);
  if (!result.ok) throw new Error(`parse failed: ${result.error}`);
  return result.condition;
}

function run(
  source: string,
  env: Env = {},
): { ok: true; value: unknown } | { ok: false; error: string } {
  const result = parseCondition(source);
  return result.ok ? evaluateCondition(result.condition, env) : result;
}

function valueOf(source: string, env: Env = {}): unknown {
  const result = run(source, env);
  if (!result.ok) throw new Error(`${source}: ${result.error}`);
  return result.value;
}

function errorOf(source: string, env: Env = {}): string {
  const result = run(source, env);
  if (result.ok) throw new Error(`${source}: expected an error, got ${String(result.value)}`);
  return result.error;
}

const env: Env = {
  result: [0.97, 0.5],
  one: [0.97],
  empty: [],
  nothing: null,
  m: {
    a: { b: 1 },
    'k-1': 2,
    list: [
      { name: 'x', v: 1 },
      { name: 'y', v: 2 },
    ],
  },
  s: 'héllo',
  nan: Number.NaN,
  inf: Infinity,
  items: [
    { name: 'a', ok: true },
    { name: 'b', ok: false },
  ],
};

describe('literals', () => {
  it.each<[string, unknown]>([
    ['1', 1],
    ['0.95', 0.95],
    ['1e3', 1000],
    ['2.5e-1', 0.25],
    ['1_000', 1000],
    ['0x1F', 31],
    ['0o17', 15],
    ['0b101', 5],
    ['.5', 0.5],
    ['"a\\nb"', 'a\nb'],
    ["'it\\'s'", "it's"],
    ['"say \\"hi\\""', 'say "hi"'],
    ['"tab\\there"', 'tab\there'],
    ['"back\\\\slash"', 'back\\slash'],
    ['"\\u00e9"', 'é'],
    ['"\\x41"', 'A'],
    ['`raw\\d+`', 'raw\\d+'],
    ['true', true],
    ['false', false],
    ['nil', null],
    ['[1, 2]', [1, 2]],
    ['[1, 2,]', [1, 2]],
    ['[]', []],
    ['{a: 1, "b": 2}', { a: 1, b: 2 }],
    ["{'c d': [1]}", { 'c d': [1] }],
    ['{1: "x"}', { 1: 'x' }],
    ['{("k" + "1"): true}', { k1: true }],
    ['{}', {}],
    ['{nil: 1, true: 2}', { nil: 1, true: 2 }],
    [' \n\t 1 \n', 1],
    ['1 // a comment', 1],
    ['/* a\ncomment */ 2', 2],
  ])('%s', (source, expected) => {
    expect(valueOf(source)).toEqual(expected);
  });
});

describe('operators and precedence', () => {
  it.each<[string, unknown]>([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 2 - 3', 5],
    ['2 ** 3 ** 2', 512],
    ['2 ^ 3', 8],
    ['-2 ** 2', -4],
    ['-(2) ** 2', -4],
    ['+3', 3],
    ['- -3', 3],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['1 / 2', 0.5],
    ['4 / 2', 2],
    ['1 / 0', Infinity],
    ['"a" + "b"', 'ab'],
    ['1 < 2', true],
    ['2 <= 2', true],
    ['3 > 2', true],
    ['2 >= 3', false],
    ['"a" < "b"', true],
    ['"b" >= "a"', true],
    ['1 < 2 < 3', true],
    ['3 > 2 > 1', true],
    ['1 < 3 < 2', false],
    ['1 == 1.0', true],
    ['1 == "1"', false],
    ['nil == nil', true],
    ['[1, [2, {a: 3}]] == [1, [2, {a: 3}]]', true],
    ['{a: 1, b: 2} == {b: 2, a: 1}', true],
    ['{a: 1} == {a: 1, b: 2}', false],
    ['[1, 2] != [2, 1]', true],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['true or false and false', true],
    ['not true', false],
    ['!false', true],
    ['not true == false', true],
    ['not (1 > 2)', true],
    ['false && 1', false],
    ['true || 1', true],
    ['2 in [1, 2]', true],
    ['[1] in [[1], [2]]', true],
    ['3 in [1, 2]', false],
    ['"a" in {a: 1}', true],
    ['"b" in {a: 1}', false],
    ['1 in nil', false],
    ['3 not in [1, 2]', true],
    ['"a" not in {a: 1}', false],
    ['"abc" contains "b"', true],
    ['"abc" not contains "d"', true],
    ['"abc" startsWith "ab"', true],
    ['"abc" not startsWith "b"', true],
    ['"abc" endsWith "bc"', true],
    ['"abc" matches "^a"', true],
    ['"abc" not matches "^a"', false],
    ['1..3', [1, 2, 3]],
    ['3..1', []],
    ['1 + 1..3', [2, 3]],
    ['-1..1', [-1, 0, 1]],
    ['nil ?? 1', 1],
    ['0 ?? 1', 0],
    ['nil ?? nil ?? 3', 3],
    ['1 + nil ?? 2', 3],
    ['(nil ?? 1) + 1', 2],
    ['true ? 1 : 2', 1],
    ['false ? 1 : 2', 2],
    ['false ? 1 : true ? 2 : 3', 2],
    ['1 < 2 ? "yes" : "no"', 'yes'],
    ['[1, 2][1]', 2],
    ['{a: {b: 5}}.a.b', 5],
  ])('%s', (source, expected) => {
    expect(valueOf(source)).toEqual(expected);
  });
});

describe('names, members, indexes and slices', () => {
  it.each<[string, unknown]>([
    ['result', [0.97, 0.5]],
    ['result[0]', 0.97],
    ['result[-1]', 0.5],
    ['result[-2]', 0.97],
    ['result[1:]', [0.5]],
    ['result[:1]', [0.97]],
    ['result[:]', [0.97, 0.5]],
    ['result[0:2]', [0.97, 0.5]],
    ['result[5:]', []],
    ['result[-5:1]', [0.97]],
    ['result[1:0]', []],
    ['m.a.b', 1],
    ['m["a"]["b"]', 1],
    ['m["k-1"]', 2],
    ['m.missing', null],
    ['m.missing?.x', null],
    ['m?.a?.b', 1],
    ['nothing?.a', null],
    ['nothing?.a.b.c', null],
    ['nothing?.[0]', null],
    ['nothing?.[0:1]', null],
    ['m.list[1].name', 'y'],
    ['m.list[-1]["v"]', 2],
    ['s[1]', 'é'],
    ['s[-1]', 'o'],
    ['s[1:3]', 'él'],
    ['m.in', null],
    ['(result)[0]', 0.97],
  ])('%s', (source, expected) => {
    expect(valueOf(source, env)).toEqual(expected);
  });
});

describe('built-in functions', () => {
  it.each<[string, unknown]>([
    ['len("héllo")', 5],
    ['len([1, 2])', 2],
    ['len({a: 1})', 1],
    ['len(empty)', 0],
    ['abs(-2)', 2],
    ['ceil(1.2)', 2],
    ['floor(-1.2)', -2],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(1.4)', 1],
    ['min(3, 1, 2)', 1],
    ['max([1, 5, 3])', 5],
    ['max(1, [2, [7]])', 7],
    ['min([])', null],
    ['sum([1, 2, 3])', 6],
    ['sum([])', 0],
    ['mean([1, 2, 3, 4])', 2.5],
    ['mean(1, 2)', 1.5],
    ['mean([])', null],
    ['median([3, 1, 2])', 2],
    ['median([4, 1, 3, 2])', 2.5],
    ['median([])', null],
    ['int(1.9)', 1],
    ['int(-1.9)', -1],
    ['int("42")', 42],
    ['int("-7")', -7],
    ['float("1.5")', 1.5],
    ['float(2)', 2],
    ['asInt("7")', 7],
    ['asInt(7.8)', 7],
    ['asFloat("0.25")', 0.25],
    ['asFloat("1e3")', 1000],
    ['asFloat("-Inf")', -Infinity],
    ['asFloat(3)', 3],
    ['isNaN(asFloat("NaN"))', true],
    ['string(1)', '1'],
    ['string(0.5)', '0.5'],
    ['string(0.00001)', '1e-05'],
    ['string(-inf)', '-Inf'],
    ['string(nan)', 'NaN'],
    ['string(true)', 'true'],
    ['string("x")', 'x'],
    ['string(nil)', '<nil>'],
    ['string([1, "a", nil])', '[1 a <nil>]'],
    ['string({b: 1, a: [true]})', 'map[a:[true] b:1]'],
    ['isNaN(nan)', true],
    ['isNaN(1)', false],
    ['isInf(inf)', true],
    ['isInf(-inf)', true],
    ['isInf(nan)', false],
    ['isNil(nil)', true],
    ['isNil(m.missing)', true],
    ['isNil(0)', false],
    ['default(nil, 5)', 5],
    ['default(0, 5)', 0],
    ['default(m.missing, "x")', 'x'],
    ['upper("abc")', 'ABC'],
    ['lower("ABC")', 'abc'],
    ['trim("  x \\n")', 'x'],
    ['trim("--x-y--", "-")', 'x-y'],
    ['split("a,b,c", ",")', ['a', 'b', 'c']],
    ['split("a,b,c", ",", 2)', ['a', 'b,c']],
    ['split("a,b,c", ",", -1)', ['a', 'b', 'c']],
    ['split("a,b", ",", 0)', []],
    ['split("abc", "")', ['a', 'b', 'c']],
    ['join(["a", "b"], "-")', 'a-b'],
    ['join(["a", "b"])', 'ab'],
    ['keys({a: 1, b: 2})', ['a', 'b']],
    ['values({a: 1, b: 2})', [1, 2]],
    ['first([1, 2])', 1],
    ['last([1, 2])', 2],
    ['first([])', null],
    ['last(nil)', null],
  ])('%s', (source, expected) => {
    expect(valueOf(source, env)).toEqual(expected);
  });
});

describe('predicates and closures', () => {
  it.each<[string, unknown]>([
    ['all(result, {# > 0.4})', true],
    ['all(result, {# > 0.9})', false],
    ['all(empty, {# > 0})', true],
    ['any(result, {# > 0.9})', true],
    ['any(empty, {# > 0})', false],
    ['none(result, {# > 0.99})', true],
    ['one(result, {# > 0.9})', true],
    ['one(result, {# > 0.1})', false],
    ['filter(result, {# > 0.9})', [0.97]],
    ['filter(result, # > 0.9)', [0.97]],
    ['map(result, {# * 2})', [1.94, 1]],
    ['map(items, {#.name})', ['a', 'b']],
    ['map(items, .name)', ['a', 'b']],
    ['map(items, {#["name"]})', ['a', 'b']],
    ['map([5, 6], {#index})', [0, 1]],
    ['count(items, {.ok})', 1],
    ['count(result, {# > 0})', 2],
    ['find(items, {not .ok}).name', 'b'],
    ['find(items, {.name == "z"})', null],
    ['all([[1], [2, 3]], {all(#, {# > 0})})', true],
    ['map([[1, 2], [3]], {len(#)})', [2, 1]],
    ['map(1..3, {# * #})', [1, 4, 9]],
    ['any(m.list, {.v > 1 and .name == "y"})', true],
  ])('%s', (source, expected) => {
    expect(valueOf(source, env)).toEqual(expected);
  });
});

describe('matches (RE2 syntax, linear time)', () => {
  it.each<[string, string, boolean]>([
    ['abc', 'b', true],
    ['abc', '^b', false],
    ['abc', '', true],
    ['ABC', '(?i)abc', true],
    ['AbC', '(?i:ab)C', true],
    ['ABC', '(?i:AB)c', false],
    ['a.b', 'a\\.b', true],
    ['axb', 'a\\.b', false],
    ['2024-01-02', '^\\d{4}-\\d{2}-\\d{2}$', true],
    ['2024-1-02', '^\\d{4}-\\d{2}-\\d{2}$', false],
    ['foo bar', '\\bbar', true],
    ['foobar', '\\bbar', false],
    ['foobar', '\\Bbar', true],
    ['x', '[^a-c]', true],
    ['b', '[^a-c]', false],
    ['-', '[a\\-]', true],
    [']', '[]a]', true],
    ['a', 'x|a', true],
    ['abd', 'a[bc]+d', true],
    ['ad', 'a[bc]+d', false],
    ['abc', 'a(?:b|x)c', true],
    ['abc', 'a(?P<mid>b)c', true],
    ['error: upstream timeout', '.*error.*timeout', true],
    ['line1\nline2', '(?m)^line2$', true],
    ['line1\nline2', '^line2$', false],
    ['a\nb', 'a.b', false],
    ['a\nb', '(?s)a.b', true],
    ['aaa', '^a{2,3}$', true],
    ['aaaa', '^a{2,3}$', false],
    ['aa', '^a{2,}$', true],
    ['a', '^a{2}$', false],
    ['a{', 'a{', true],
    ['é', '^.$', true],
    ['tab\there', '\\t', true],
    ['A', '\\x41', true],
    ['a b', '\\s', true],
    ['ab', '\\S+', true],
    ['ab', '^\\w+$', true],
    ['a-b', '^\\w+$', false],
    ['xyz', '\\Ax', true],
    ['xyz', 'z\\z', true],
    ['aab', '^(a|aa)*b$', true],
    ['', '(a*)*', true],
  ])('%j matches %j is %s', (subject, pattern, expected) => {
    expect(valueOf('s matches p', { s: subject, p: pattern })).toBe(expected);
  });

  it.each([
    ['.*.*.*.*x', 'a'.repeat(10_000)],
    ['(a+)+$', `${'a'.repeat(5_000)}!`],
    ['(a|aa)*c', 'a'.repeat(5_000)],
    ['^(\\w+\\s?)*$', `${'word '.repeat(1_000)}!`],
  ])('finishes %s on a long subject quickly', (pattern, subject) => {
    const started = performance.now();
    const result = run('s matches p', { s: subject, p: pattern });
    expect(performance.now() - started).toBeLessThan(2_000);
    // Either an answer or the work budget; never minutes of backtracking.
    if (result.ok) expect(result.value).toBe(false);
    else expect(result.error).toMatch(/element operations/);
  });

  it.each<[string, string]>([
    ['(', 'missing closing )'],
    [')', 'unexpected )'],
    ['[a', 'missing closing ]'],
    ['a**', 'invalid nested repetition operator'],
    ['*a', 'missing argument to repetition operator'],
    ['(?=a)', 'lookaround is not supported'],
    ['(?<!a)b', 'lookaround is not supported'],
    ['(a)\\1', 'invalid escape sequence \\1'],
    ['a{1001}', 'invalid repeat count'],
    ['a{3,2}', 'invalid repeat count'],
    ['[z-a]', 'invalid character class range'],
    ['\\', 'trailing backslash'],
    ['[[:alpha:]]', 'POSIX character classes are not supported'],
    ['((a{100}){100})', 'pattern is too large'],
  ])('rejects the pattern %j', (pattern, message) => {
    expect(errorOf('"x" matches p', { p: pattern })).toContain(message);
  });

  it('limits the pattern and the subject', () => {
    expect(errorOf('"x" matches p', { p: 'a'.repeat(201) })).toBe(
      'matches: the pattern is longer than 200 characters at column 5',
    );
    expect(errorOf('s matches "a"', { s: 'a'.repeat(10_001) })).toBe(
      'matches: the string is longer than 10000 characters at column 3',
    );
  });
});

describe('syntax errors name the position', () => {
  it.each<[string, string]>([
    ['len(result)) > 0', 'unexpected token ")" at column 12'],
    ['(1 + 2', 'unexpected end of condition at column 7'],
    ['1 +', 'unexpected end of condition at column 4'],
    ['', 'unexpected end of condition at column 1'],
    ['1 2', 'unexpected token "2" at column 3'],
    ['"abc', 'unterminated string at column 1'],
    ['"a\nb"', 'unterminated string at line 1, column 1'],
    ["'\\q'", 'invalid escape "\\q" in string at column 2'],
    ['"\\u12"', 'invalid escape "\\u" in string at column 2'],
    ['1 @ 2', 'unexpected character "@" at column 3'],
    ['a = 1', 'unexpected character "=" at column 3'],
    ['a & b', 'unexpected character "&" at column 3'],
    ['1abc', 'invalid number "1abc" at column 1'],
    ['1e', 'invalid number "1e" at column 1'],
    ['/* open', 'unclosed comment at column 1'],
    ['f(1)', 'unknown function "f" at column 1'],
    ['constructor(1)', 'unknown function "constructor" at column 1'],
    ['toString()', 'unknown function "toString" at column 1'],
    ['len()', 'len expects 1 argument, got 0 at column 1'],
    ['len(1, 2)', 'len expects 1 argument, got 2 at column 1'],
    ['all([1])', 'all expects 2 arguments, got 1 at column 1'],
    ['split("a")', 'split expects 2 or 3 arguments, got 1 at column 1'],
    ['min()', 'min expects at least 1 argument, got 0 at column 1'],
    ['# > 1', '"#" can only be used inside a closure at column 1'],
    ['.a', '"." can only be used inside a closure at column 1'],
    ['all(x, {#foo})', 'unknown closure variable "#foo" at column 9'],
    ['a ?? b + 1', '"??" cannot be mixed with "+" without parentheses at column 8'],
    ['result[0] ?? 0 >= 0.95', '"??" cannot be mixed with ">=" without parentheses at column 16'],
    ['a.b()', 'method calls are not supported ("b") at column 3'],
    ['a.1', 'unexpected token ".1" at column 2'],
    ['a.(b)', 'expected a name after "." but found token "(" at column 3'],
    ['true ? 1', 'unexpected end of condition at column 9'],
    ['a not b', 'unexpected token "b" at column 7'],
    ['{a 1}', 'unexpected token "1" at column 4'],
    ['{[1]: 2}', 'a map key must be a name, a string, a number or a parenthesized expression'],
    ['1 +\n  )', 'unexpected token ")" at line 2, column 3'],
  ])('%j', (source, message) => {
    const result = parseCondition(source);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it.each([
    ['parentheses', `${'('.repeat(101)}1${')'.repeat(101)}`],
    ['a long sum', `1${' + 1'.repeat(150)}`],
    ['a long member chain', `m${'.a'.repeat(150)}`],
    ['repeated signs', `${'-'.repeat(200)}1`],
    ['nested arrays', `${'['.repeat(150)}${']'.repeat(150)}`],
  ])('caps nesting depth at 100: %s', (_, source) => {
    const result = parseCondition(source);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error).toMatch(
        /^condition is nested too deeply \(more than 100 levels\) at column \d+$/,
      );
  });

  it('accepts nesting up to the cap', () => {
    expect(valueOf(`${'('.repeat(99)}1${')'.repeat(99)}`)).toBe(1);
    expect(valueOf(`1${' + 1'.repeat(98)}`)).toBe(99);
  });

  it('refuses sources longer than 10,000 characters', () => {
    expect(parseCondition(`"${'a'.repeat(9_998)}"`).ok).toBe(true);
    expect(parseCondition(`"${'a'.repeat(9_999)}"`)).toEqual({
      ok: false,
      error: 'condition is longer than 10000 characters',
    });
  });
});

describe('evaluation errors', () => {
  it.each<[string, string]>([
    ['one[3]', 'index 3 out of range (length 1) at column 4'],
    ['one[-2]', 'index -2 out of range (length 1) at column 4'],
    ['empty[0]', 'index 0 out of range (length 0) at column 6'],
    ['one[0.5]', 'index 0.5 is not an integer at column 4'],
    ['one["a"]', 'cannot fetch "a" from array at column 4'],
    ['m[1]', 'cannot use number as a map key at column 2'],
    ['x', 'unknown name "x" at column 1'],
    ['nothing.a', 'cannot fetch "a" from nil at column 9'],
    ['nothing[0]', 'cannot fetch 0 from nil at column 8'],
    ['(nothing?.a).b', 'cannot fetch "b" from nil at column 14'],
    ['s.a', 'cannot fetch "a" from string at column 3'],
    ['(1).a', 'cannot fetch "a" from number at column 5'],
    ['"a" < 1', 'cannot compare string and number at column 5'],
    ['nil >= 1', 'cannot compare nil and number at column 5'],
    ['[1] < [2]', 'cannot compare array and array at column 5'],
    ['1 + "a"', 'cannot apply "+" to number and string at column 3'],
    ['"a" * 2', 'cannot apply "*" to string and number at column 5'],
    ['-"a"', 'cannot apply "-" to string at column 1'],
    ['not 1', 'cannot apply "not" to number at column 1'],
    ['1 and true', 'operator "and" needs bools, got number at column 3'],
    ['false || "x"', 'operator "or" needs bools, got string at column 7'],
    ['1 ? 2 : 3', 'the condition of "?:" must be a bool, got number at column 3'],
    ['5 % 2.5', 'operator "%" needs integers, got 5 and 2.5 at column 3'],
    ['1 % 0', 'integer division by zero at column 3'],
    ['1.5..3', 'operator ".." needs integers, got 1.5 and 3 at column 4'],
    ['0..10000', 'range 0..10000 has more than 10000 elements at column 2'],
    ['1 in "abc"', 'operator "in" needs an array or a map on the right, got string at column 3'],
    ['1 in {a: 1}', 'cannot use number as a map key at column 3'],
    ['1 contains "a"', 'operator "contains" needs two strings, got number and string at column 3'],
    ['result[0:"a"]', 'slice bounds must be integers, got "a" at column 10'],
    ['(1)[0:1]', 'cannot slice number at column 4'],
    ['{(nil): 1}', 'cannot use nil as a map key at column 3'],
    ['len(1)', 'len needs a string, an array or a map, got number at column 1'],
    ['abs("a")', 'abs needs a number, got string at column 1'],
    ['sum([1, "a"])', 'sum needs a number, got string at column 1'],
    ['sum(1)', 'sum needs an array, got number at column 1'],
    ['max(1, "a")', 'max needs numbers, got string at column 1'],
    ['int("1.5")', 'int cannot convert "1.5" to an integer at column 1'],
    ['int(nan)', 'int cannot convert NaN to an integer at column 1'],
    ['asInt("x")', 'asInt cannot convert "x" to an integer at column 1'],
    ['asFloat("abc")', 'asFloat cannot convert "abc" to a number at column 1'],
    ['float(true)', 'float cannot convert true to a number at column 1'],
    ['isNaN("x")', 'isNaN needs a number, got string at column 1'],
    ['upper(1)', 'upper needs a string, got number at column 1'],
    ['trim("x", 1)', 'trim needs a string, got number at column 1'],
    ['split("a", ",", 1.5)', 'split needs an integer count, got number at column 1'],
    ['join([1])', 'join needs strings, got number at column 1'],
    ['keys([])', 'keys needs a map, got array at column 1'],
    ['first("ab")', 'first needs an array, got string at column 1'],
    ['all(1, {# > 0})', 'all needs an array, got number at column 1'],
    ['all([1], {#})', 'the closure of all returned 1, not a bool at column 1'],
    ['filter([1], {"x"})', 'the closure of filter returned "x", not a bool at column 1'],
    ['map(0..9999, {# + 1})', 'condition needs more than 10000 evaluation steps at column 17'],
    ['map(0..99, {0..9999})', 'condition needs more than 1000000 element operations at column 14'],
    ['len(result)\n  + x', 'unknown name "x" at line 2, column 5'],
  ])('%j', (source, message) => {
    expect(errorOf(source, env)).toBe(message);
  });
});

describe('evaluateBoolean and no data', () => {
  it.each<[string, Env, boolean]>([
    ['result[0] >= 0.95', { result: [0.97] }, true],
    ['result[0] >= 0.95', { result: [0.5] }, false],
    ['result >= 0.95', { result: 0.99 }, true],
    ['len(result) == 0 || result[0] >= 0.95', { result: [] }, true],
    ['len(result) == 0 || result[0] >= 0.95', { result: [0.9] }, false],
    ['all(result, {# < 0.05})', { result: [0.01, 0.02] }, true],
    ['result < 1', { result: Number.NaN }, false],
    ['result >= 1', { result: Number.NaN }, false],
    ['result == result', { result: Number.NaN }, false],
    ['result != result', { result: Number.NaN }, true],
    ['isNaN(result) || result < 0.05', { result: Number.NaN }, true],
    ['asFloat(result) > 0.5', { result: '0.75' }, true],
  ])('%s with %j is %s', (source, input, expected) => {
    expect(evaluateBoolean(parsed(source), input)).toEqual({ ok: true, value: expected });
  });

  it('reports an empty vector as an out-of-range index, not as a success', () => {
    expect(evaluateBoolean(parsed('result[0] >= 0.95'), { result: [] })).toEqual({
      ok: false,
      error: 'index 0 out of range (length 0) at column 7',
    });
  });

  it.each<[string, string]>([
    ['0.5', 'condition returned 0.5, not true or false'],
    ['"yes"', 'condition returned "yes", not true or false'],
    ['nil', 'condition returned nil, not true or false'],
    ['[1, 2, 3, 4]', 'condition returned [1, 2, 3, …], not true or false'],
    ['[[1], {}]', 'condition returned [[…], {}], not true or false'],
    ['{a: 1}', 'condition returned {…}, not true or false'],
    ['nan', 'condition returned NaN, not true or false'],
  ])('a non-boolean %s is an error', (source, message) => {
    expect(evaluateBoolean(parsed(source), { nan: Number.NaN })).toEqual({
      ok: false,
      error: message,
    });
  });

  it('evaluates a parsed condition many times with different data', () => {
    const condition = parsed('result[0] >= 0.95');
    expect(condition.source).toBe('result[0] >= 0.95');
    expect(evaluateBoolean(condition, { result: [1] })).toEqual({ ok: true, value: true });
    expect(evaluateBoolean(condition, { result: [0] })).toEqual({ ok: true, value: false });
  });
});

describe('security: only own, plain data is reachable', () => {
  it.each([
    'constructor',
    '__proto__',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'globalThis',
    'process',
    'require',
    'eval',
    'Function',
    'this',
  ])('the name %s is unknown', (name) => {
    expect(errorOf(name, env)).toBe(`unknown name ${JSON.stringify(name)} at column 1`);
  });

  it.each([
    'm.constructor',
    'm.__proto__',
    'm["__proto__"]',
    'm.prototype',
    'm.toString',
    'm.hasOwnProperty',
    '{}.constructor',
    '{}["constructor"]',
    '{a: 1}.__proto__',
    'm.a.constructor',
    'm?.constructor?.prototype',
    'items[0].constructor',
    'find(items, {true}).__proto__',
  ])('%s is nil', (source) => {
    expect(valueOf(source, env)).toBeNull();
  });

  it.each([
    ['result.constructor', 'cannot fetch "constructor" from array'],
    ['result.length', 'cannot fetch "length" from array'],
    ['result["__proto__"]', 'cannot fetch "__proto__" from array'],
    ['s.length', 'cannot fetch "length" from string'],
    ['s.constructor', 'cannot fetch "constructor" from string'],
    ['(1).constructor', 'cannot fetch "constructor" from number'],
    ['true.constructor', 'cannot fetch "constructor" from bool'],
    ['nothing.constructor', 'cannot fetch "constructor" from nil'],
    ['constructor.name', 'unknown name "constructor"'],
    ['m.constructor.constructor', 'cannot fetch "constructor" from nil'],
    ['m.toString()', 'method calls are not supported'],
    ['m.constructor("return 1")', 'method calls are not supported'],
  ])('%s fails', (source, message) => {
    expect(errorOf(source, env)).toContain(message);
  });

  it('reads own "__proto__" and "constructor" keys of data as data, never the prototype', () => {
    const data = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": "c"}') as unknown;
    expect(valueOf('j.__proto__', { j: data })).toEqual({ polluted: 1 });
    expect(valueOf('j.__proto__.polluted', { j: data })).toBe(1);
    expect(valueOf('j.polluted', { j: data })).toBeNull();
    expect(valueOf('j.constructor', { j: data })).toBe('c');
    expect(valueOf('"polluted" in j', { j: data })).toBe(false);
  });

  it('builds maps whose "__proto__" key is an own key and pollutes nothing', () => {
    const built = valueOf('{"__proto__": {"polluted": true}}') as object;
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(Object.keys(built)).toEqual(['__proto__']);
    expect(valueOf('{"__proto__": {"polluted": true}}.polluted')).toBeNull();
    expect(valueOf('keys({"__proto__": 1})')).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never runs getters, in the environment or in data', () => {
    let calls = 0;
    const getter = {
      enumerable: true,
      get(): number {
        calls += 1;
        return 1;
      },
    };
    const input = Object.defineProperty({}, 'g', getter);
    const nested = { o: Object.defineProperty({}, 'g', getter) };
    expect(errorOf('g', input)).toBe('unknown name "g" at column 1');
    expect(valueOf('o.g', nested)).toBeNull();
    expect(valueOf('values(o)', nested)).toEqual([null]);
    expect(calls).toBe(0);
  });

  it('refuses functions, class instances and other non-plain values in the input', () => {
    const odd = {
      f: () => 1,
      d: new Date(0),
      re: /x/,
      map: new Map([['a', 1]]),
      big: 1n,
      sym: Symbol('s'),
      arr: [() => 1],
      obj: { f: () => 1 },
    };
    for (const source of ['f', 'd', 're', 'map', 'big', 'sym', 'arr[0]', 'obj.f', 'd.getTime']) {
      expect(errorOf(source, odd)).toContain('unsupported value');
    }
    for (const source of ['arr', 'obj', '[obj]', 'first(arr)', 'arr[:]', 'values(obj)']) {
      const result = run(source, odd);
      expect(result.ok).toBe(false);
    }
    expect(valueOf('len(arr)', odd)).toBe(1);
    expect(valueOf('obj == obj', odd)).toBe(true);
    expect(valueOf('"f" in obj', odd)).toBe(true);
  });

  it('accepts an environment without a prototype', () => {
    const input = Object.assign(Object.create(null) as Env, { result: [1] });
    expect(valueOf('result[0]', input)).toBe(1);
    expect(errorOf('toString', input)).toContain('unknown name');
  });

  it('treats undefined in the input as nil', () => {
    expect(valueOf('u == nil', { u: undefined })).toBe(true);
    expect(valueOf('a[0] ?? 7', { a: [undefined] })).toBe(7);
  });

  it('handles large inputs without overflowing the stack', () => {
    const big = Array.from({ length: 300_000 }, (_, i) => i);
    expect(valueOf('len(big)', { big })).toBe(300_000);
    expect(valueOf('big[-1]', { big })).toBe(299_999);
    expect(valueOf('max(big)', { big })).toBe(299_999);
    expect(valueOf('min(big, [-1])', { big })).toBe(-1);
    expect(valueOf('sum(big)', { big })).toBe((299_999 * 300_000) / 2);
    expect(valueOf('big', { big })).toBe(big);
    expect(valueOf('big == big', { big })).toBe(true);
    expect(errorOf('max(a)', { a: [1, [2, undefined]] })).toBe(
      'max needs numbers, got nil at column 1',
    );
  });

  it('survives cyclic input', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const other: Record<string, unknown> = { a: 1 };
    other.self = other;
    expect(valueOf('c.self.self.a', { c: cyclic })).toBe(1);
    expect(valueOf('c == c', { c: cyclic })).toBe(true);
    expect(errorOf('c == o', { c: cyclic, o: other })).toContain('nested more than 100 levels');
    expect(errorOf('string(c)', { c: cyclic })).toContain('nested more than 100 levels');
    expect(valueOf('c', { c: cyclic })).toBe(cyclic);
  });

  it('only evaluates conditions it parsed', () => {
    const forged = { source: '1' } as Condition;
    expect(evaluateCondition(forged, {})).toEqual({
      ok: false,
      error: 'not a condition returned by parseCondition',
    });
    expect(Object.isFrozen(parsed('1'))).toBe(true);
  });

  it('never throws on a hostile environment', () => {
    const hostile = new Proxy(
      {},
      {
        getOwnPropertyDescriptor(): never {
          throw new Error('trap');
        },
      },
    );
    expect(evaluateCondition(parsed('x'), hostile)).toEqual({
      ok: false,
      error: 'evaluation failed: trap',
    });
    expect(evaluateCondition(parsed('x'), null as unknown as Env)).toEqual({
      ok: false,
      error: 'the environment must be an object',
    });
    expect(parseCondition(42 as unknown as string)).toEqual({
      ok: false,
      error: 'a condition must be a string',
    });
  });
});
