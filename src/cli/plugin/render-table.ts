// Pure text layout shared by the views: styled cells padded into aligned columns, and ages written
// the way kubectl writes them. Widths are measured on the plain text, so colour never shifts a column.
import { paint, type Style } from './ansi.js';

/** A run of text in one style. */
export interface Segment {
  readonly text: string;
  readonly style?: Style | undefined;
}

/** One table cell: segments side by side. */
export type Cell = readonly Segment[];

/** A cell of one segment. */
export function cell(text: string, style?: Style): Cell {
  return [{ text, style }];
}

/** Plain text of a cell (what its width is measured on). */
export function plain(c: Cell): string {
  return c.map((s) => s.text).join('');
}

/** Width in terminal columns; every glyph the views draw is one column wide. */
export function width(text: string): number {
  return Array.from(text).length;
}

/** The cell as terminal text. */
export function styled(c: Cell, color: boolean): string {
  return c.map((s) => paint(s.text, s.style, color)).join('');
}

/** Columns separated by two spaces (as kubectl's tabwriter does), the last one unpadded. */
export function formatTable(rows: readonly (readonly Cell[])[], color: boolean): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, width(plain(c)))));
  return rows.map((row) =>
    row
      .map((c, i) => {
        const pad = i === row.length - 1 ? 0 : (widths[i] ?? 0) - width(plain(c)) + 2;
        return styled(c, color) + ' '.repeat(pad);
      })
      .join('')
      .trimEnd(),
  );
}

const minute = 60;
const hour = 60 * minute;
const day = 24 * hour;
const year = 365 * day;

/** An age as kubectl prints it (apimachinery's HumanDuration): 45s, 5m30s, 3h, 12d, 2y40d. */
export function humanAge(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * minute) return `${seconds}s`;
  if (seconds < 3 * hour) return shortAge(seconds);
  return longAge(seconds);
}

function shortAge(seconds: number): string {
  const m = Math.floor(seconds / minute);
  const s = seconds % minute;
  return m < 10 && s !== 0 ? `${m}m${s}s` : `${m}m`;
}

function longAge(seconds: number): string {
  const h = Math.floor(seconds / hour);
  const d = Math.floor(seconds / day);
  if (seconds < 8 * hour) return pair(h, 'h', Math.floor((seconds % hour) / minute), 'm');
  if (seconds < 2 * day) return `${h}h`;
  if (seconds < 8 * day) return pair(d, 'd', h % 24, 'h');
  if (seconds < 2 * year) return `${d}d`;
  const y = Math.floor(seconds / year);
  if (seconds < 8 * year) return pair(y, 'y', Math.floor((seconds % year) / day), 'd');
  return `${y}y`;
}

function pair(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

/** A remaining time rounded to the second, as a Go duration prints it: 29s, 1m5s, 2h0m3s. */
export function goDurationText(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / hour);
  const m = Math.floor((total % hour) / minute);
  const s = total % minute;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
