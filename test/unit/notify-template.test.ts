import { describe, expect, it } from 'vitest';

import { compileTemplate, renderTemplate, type Escape } from '../../src/notify/template.js';

const data = {
  rollout: {
    metadata: {
      name: 'web',
      namespace: 'shop',
      annotations: { 'team.example.com/owner': 'payments' },
    },
  },
  revision: 4,
  ok: false,
  images: { stable: 'web:1', canary: 'web:2' },
  analysis: { value: '0.91 "low"', condition: 'result[0] >= 0.95' },
  list: [1, 2],
  empty: null,
};

function render(source: string, escape: Escape = 'none'): string {
  const compiled = compileTemplate(source);
  if (!compiled.ok) throw new Error(compiled.error);
  return renderTemplate(compiled.template, data, escape);
}

describe('renderTemplate', () => {
  it.each<[string, string, string]>([
    ['plain text', 'no placeholders', 'no placeholders'],
    ['a path', 'Rollout {{.rollout.metadata.name}} failed', 'Rollout web failed'],
    [
      'spaces inside braces',
      '{{ .rollout.metadata.namespace }}/{{.rollout.metadata.name}}',
      'shop/web',
    ],
    ['a number', 'revision {{.revision}}', 'revision 4'],
    ['a boolean', '{{.ok}}', 'false'],
    ['a missing field renders nothing', '[{{.nope.deeper}}]', '[]'],
    ['null renders nothing', '[{{.empty}}]', '[]'],
    ['an object renders as JSON', '{{.images}}', '{"stable":"web:1","canary":"web:2"}'],
    ['an array renders as JSON', '{{.list}}', '[1,2]'],
    [
      'index with a key that has dots and slashes',
      'owner: {{ index .rollout.metadata.annotations "team.example.com/owner" }}',
      'owner: payments',
    ],
    ['trim markers', 'a  {{- .revision -}}  b', 'a4b'],
    ['prototype members are not reachable', '[{{.constructor}}][{{.rollout.toString}}]', '[][]'],
    ['adjacent placeholders', '{{.revision}}{{.revision}}', '44'],
  ])('%s', (_name, source, expected) => {
    expect(render(source)).toBe(expected);
  });

  it('escapes values for the inside of a JSON string', () => {
    const out = render('{"value": "{{.analysis.value}}"}', 'json');
    expect(JSON.parse(out)).toEqual({ value: '0.91 "low"' });
  });

  it('escapes values for a URL path', () => {
    expect(render('/x/{{.analysis.condition}}', 'url')).toBe('/x/result%5B0%5D%20%3E%3D%200.95');
  });
});

describe('compileTemplate errors', () => {
  it.each<[string, string, RegExp]>([
    ['unclosed', 'a {{.rollout', /unclosed "\{\{" at offset 2/],
    [
      'if',
      '{{if .rollout.spec}}x{{end}}',
      /unsupported template action "\{\{if \.rollout\.spec\}\}".*offset 0/,
    ],
    ['range', '{{range $i, $c := .list}}', /unsupported template action/],
    ['a function call', '{{ printf "%s" .revision }}', /unsupported/],
    ['a bare dot', '{{.}}', /unsupported/],
    ['a variable', '{{$x}}', /unsupported/],
  ])('%s', (_name, source, error) => {
    const compiled = compileTemplate(source);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.error).toMatch(error);
  });
});
