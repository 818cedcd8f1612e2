// Durations as Argo manifests write them: an integer (seconds), a numeric string (seconds), or a
// Go duration string such as "1h30m" or "1.5s". Hand-written because Go's duration syntax is not
// what any npm duration parser accepts exactly (ms vs m, fractional units, no spaces).

const unitSeconds: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const goDuration = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;
const goDurationPart = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;

/** Seconds of a Go duration string ("1h30m", "250ms", "0"), or NaN when it is not one. */
export function parseGoDuration(text: string): number {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const whole = goDuration.exec(text);
  if (!whole) return Number.NaN;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(goDurationPart)) {
    total += Number(amount) * (unitSeconds[unit as string] as number);
  }
  return whole[1] === '-' ? -total : total;
}

/**
 * Seconds of a pause-like duration: undefined when absent (wait until promoted), NaN when it
 * cannot be read, otherwise seconds (an integer, a numeric string, or a Go duration).
 */
export function durationSeconds(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number.NaN;
  if (/^[+-]?\d+$/.test(value.trim())) return Number(value.trim());
  return parseGoDuration(value.trim());
}

/** Milliseconds of a Go duration string, or NaN when it is not one. */
export function goDurationMs(text: string): number {
  return parseGoDuration(text) * 1000;
}
