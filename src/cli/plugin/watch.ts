// Watch mode of `get rollout -w` and `list rollouts -w`: poll once a second and show the new frame
// only when it changed. On a terminal the frame is redrawn in place (cursor home, each line
// overwritten, the rest of the screen cleared) in a single write, which is what keeps it from
// flickering; piped output gets each changed frame appended instead, with no escape codes.
import { setTimeout as sleep } from 'node:timers/promises';

import { terminal } from './ansi.js';

/** What one poll shows, and what decides whether a non-terminal reader sees it again. */
export interface Frame {
  readonly text: string;
  /**
   * Identity of the objects behind the text (their resourceVersions): piped output appends a
   * frame when the objects change, not when only an age ticked.
   */
  readonly key: string;
}

/** Where frames go (process.stdout, or a fake in tests). */
export interface FrameSink {
  readonly isTTY?: boolean | undefined;
  write(text: string): unknown;
}

/** How to watch. */
export interface WatchOptions {
  readonly out: FrameSink;
  /** Ends the watch (Ctrl-C); the loop returns after restoring the cursor. */
  readonly signal: AbortSignal;
  readonly intervalMs?: number | undefined;
}

/** Polls `next` until the signal fires, showing each changed frame; errors end the watch. */
export async function watchFrames(next: () => Promise<Frame>, opts: WatchOptions): Promise<void> {
  const tty = opts.out.isTTY === true;
  let last: Frame | undefined;
  if (tty) opts.out.write(terminal.hideCursor + terminal.home + terminal.clearScreen);
  try {
    while (!opts.signal.aborted) {
      const frame = await next();
      if (!opts.signal.aborted) show(frame, last, opts.out);
      last = frame;
      await sleep(opts.intervalMs ?? 1000, undefined, { signal: opts.signal }).catch(
        () => undefined,
      );
    }
  } finally {
    if (tty) opts.out.write(terminal.showCursor);
  }
}

/** A terminal gets the frame redrawn when its text changed; a pipe when its objects did. */
function show(frame: Frame, last: Frame | undefined, out: FrameSink): void {
  if (out.isTTY === true) {
    if (frame.text !== last?.text) out.write(inPlace(frame.text));
  } else if (frame.key !== last?.key) out.write((last ? '\n' : '') + frame.text);
}

/** The frame as one write that overwrites the previous one where it stands. */
export function inPlace(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    terminal.home + lines.map((l) => l + terminal.clearLine).join('\n') + '\n' + terminal.clearBelow
  );
}

/** An AbortSignal that fires on Ctrl-C (SIGINT) or SIGTERM, so a watch ends cleanly. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}
