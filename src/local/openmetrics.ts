/** One sample: a value at a time in Unix seconds (OpenMetrics' unit; milliseconds would be misread). */
export interface Sample {
  readonly t: number;
  readonly v: number;
}

/** One time series to seed into Prometheus. */
export interface SeedSeries {
  readonly metric: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly samples: readonly Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Renders series as an OpenMetrics text file for `promtool tsdb create-blocks-from openmetrics`.
 * Samples are sorted by time because promtool silently drops out-of-order ones, families are kept
 * together, and the mandatory `# EOF` terminator is added.
 */
export function renderOpenMetrics(series: readonly SeedSeries[]): string {
  const families = new Map<string, SeedSeries[]>();
  for (const s of series) {
    validate(s);
    families.set(s.metric, [...(families.get(s.metric) ?? []), s]);
  }
  const lines: string[] = [];
  for (const [name, members] of families) {
    lines.push(`# TYPE ${name} gauge`);
    for (const s of members) {
      const labels = renderLabels(s.labels ?? {});
      for (const sample of [...s.samples].sort((a, b) => a.t - b.t)) {
        lines.push(`${name}${labels} ${renderValue(sample.v)} ${sample.t}`);
      }
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

function validate(s: SeedSeries): void {
  if (!metricName.test(s.metric))
    throw new Error(`invalid metric name ${JSON.stringify(s.metric)}`);
  for (const name of Object.keys(s.labels ?? {})) {
    if (!labelName.test(name))
      throw new Error(`invalid label name ${JSON.stringify(name)} on ${s.metric}`);
  }
  for (const sample of s.samples) {
    // Anything above ~1e11 is almost certainly milliseconds, which promtool would misread as seconds.
    if (!Number.isFinite(sample.t) || sample.t < 0 || sample.t > 1e11) {
      throw new Error(`sample time ${sample.t} on ${s.metric} must be Unix seconds`);
    }
  }
}

function renderLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  const escape = (v: string): string =>
    v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}

function renderValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
