// A few ANSI styles for the plugin's output. Hand-written rather than a dependency (picocolors and
// friends detect the terminal themselves; here the session already decided, and eight escape
// codes are all the output needs).

/** The styles the views use. */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan';

const codes: Readonly<Record<Style, readonly [number, number]>> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

/** Wraps text in a style when colour is on; plain text otherwise, so pipes and logs stay clean. */
export function paint(text: string, style: Style | undefined, color: boolean): string {
  if (!color || style === undefined || text === '') return text;
  const [open, close] = codes[style];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}

/** Terminal control sequences of the in-place redraw in watch mode. */
export const terminal = {
  /** Cursor to the top-left corner. */
  home: '\x1b[H',
  /** Clear from the cursor to the end of the line (a shorter line leaves no tail). */
  clearLine: '\x1b[K',
  /** Clear from the cursor to the end of the screen (a shorter frame leaves no tail). */
  clearBelow: '\x1b[J',
  /** Clear the whole screen (once, before the first frame). */
  clearScreen: '\x1b[2J',
  hideCursor: '\x1b[?25l',
  showCursor: '\x1b[?25h',
} as const;
