import { describe, expect, it } from 'vitest';

import { evaluateJsonPath } from '../../src/analysis/json-path.js';

const doc = {
  data: { ok: true, rate: 0.97, 'dotted.key': 'd', "it's": 'q', empty: null },
  items: [{ name: 'a', value: 1 }, { name: 'b', value: 2 }, { name: 'c' }],
  matrix: [
    [1, 2],
    [3, 4],
  ],
  flags: { x: 1, y: 2 },
};

describe('evaluateJsonPath finds', () => {
  it.each([
    ['$', doc],
    ['', doc],
    ['{$}', doc],
    ['$.data.ok', true],
    ['{$.data.ok}', true],
    ['{ $.data.ok }', true],
    ['{.data.ok}', true],
    ['.data.rate', 0.97],
    ["$['data']['rate']", 0.97],
    ['$["data"]["dotted.key"]', 'd'],
    ["$.data['it\\'s']", 'q'],
    ['$.data.empty', null],
    ['$.items[0].name', 'a'],
    ['$.items[-1].name', 'c'],
    ['$.items[ 1 ].value', 2],
    ['$.matrix[1][0]', 3],
    ['$.items[*].name', ['a', 'b', 'c']],
    // A wildcard collects; items without the key are skipped rather than failing the whole path.
    ['$.items[*].value', [1, 2]],
    ['$.flags.*', [1, 2]],
    ['$.matrix[*][1]', [2, 4]],
    ['$.items[*].missing', []],
    ['{$.data.*}', [true, 0.97, 'd', 'q', null]],
  ])('%j → %j', (path, value) => {
    expect(evaluateJsonPath(doc, path)).toEqual({ ok: true, value });
  });
});

describe('evaluateJsonPath refuses', () => {
  it.each([
    ['$.data.missing', /no key "missing" at \$\.data/],
    ['$.items[3]', /index 3 is out of range \(length 3\) at \$\.items/],
    ['$.items[-4]', /out of range/],
    ['$.data[0]', /\[0\] needs an array, found an object at \$\.data/],
    ['$.data.ok.deeper', /key "deeper" needs an object, found a boolean at \$\.data\.ok/],
    ['$.data.empty.x', /found null/],
    ['$..ok', /recursive descent/],
    ['$.items[?(@.value > 1)]', /unsupported selector/],
    ['$.items[0:2]', /unsupported selector/],
    ['$.items[0,1]', /unsupported selector/],
    ['$.items[0', /unclosed "\["/],
    ["$['data", /unterminated quoted key/],
    ["$['data'x]", /expected "\]"/],
    ['$.', /a key must follow/],
    ['data', /unexpected "d"/],
    ['$.items.length', /key "length" needs an object, found an array/],
  ])('%j (%s)', (path, error) => {
    const result = evaluateJsonPath(doc, path);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(error);
  });

  it.each([
    ['$.__proto__'],
    ['$.constructor'],
    ['$.data.constructor.name'],
    ["$['__proto__']"],
    ['$.prototype'],
  ])('never reaches the prototype chain: %j', (path) => {
    expect(evaluateJsonPath(doc, path).ok).toBe(false);
  });

  it('ignores even own "__proto__" keys that JSON.parse creates', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"polluted": 1}, "a": 2}');
    expect(evaluateJsonPath(parsed, '$.__proto__.polluted').ok).toBe(false);
    expect(evaluateJsonPath(parsed, '$.*')).toEqual({ ok: true, value: [2] });
  });
});
