import { describe, expect, it } from 'vitest';

import { renderOpenMetrics } from '../../src/local/openmetrics.js';

describe('renderOpenMetrics', () => {
  it('sorts samples by time, keeps families together and ends with # EOF', () => {
    const text = renderOpenMetrics([
      {
        metric: 'up',
        labels: { job: 'b' },
        samples: [
          { t: 20, v: 1 },
          { t: 10, v: 0 },
        ],
      },
      { metric: 'other', samples: [{ t: 5, v: 2 }] },
      { metric: 'up', labels: { job: 'a' }, samples: [{ t: 10, v: 1 }] },
    ]);
    expect(text).toBe(
      [
        '# TYPE up gauge',
        'up{job="b"} 0 10',
        'up{job="b"} 1 20',
        'up{job="a"} 1 10',
        '# TYPE other gauge',
        'other 2 5',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it.each([
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [0.125, '0.125'],
    [-3, '-3'],
  ])('renders the value %s as %s', (v, rendered) => {
    expect(renderOpenMetrics([{ metric: 'm', samples: [{ t: 1, v }] }])).toContain(
      `m ${rendered} 1\n`,
    );
  });

  it('sorts labels and escapes quotes, backslashes and newlines in values', () => {
    const text = renderOpenMetrics([
      { metric: 'm', labels: { z: 'a"b', a: 'c\\d\ne' }, samples: [{ t: 1, v: 1 }] },
    ]);
    expect(text).toContain('m{a="c\\\\d\\ne",z="a\\"b"} 1 1\n');
  });

  it.each([
    [{ metric: '9bad', samples: [] }, 'invalid metric name "9bad"'],
    [
      { metric: 'm', labels: { 'bad-label': 'x' }, samples: [] },
      'invalid label name "bad-label" on m',
    ],
    [{ metric: 'm', samples: [{ t: 1_790_000_000_000, v: 1 }] }, 'must be Unix seconds'],
    [{ metric: 'm', samples: [{ t: -1, v: 1 }] }, 'must be Unix seconds'],
  ])('refuses %j', (series, message) => {
    expect(() => renderOpenMetrics([series])).toThrow(message);
  });
});
