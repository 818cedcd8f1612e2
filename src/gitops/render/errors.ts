// Why rendering a Git checkout failed, as a reason a GitSync can put in its status message.

/** What went wrong while rendering. */
export type RenderErrorReason =
  | 'PathEscape'
  | 'Symlink'
  | 'RemoteBase'
  | 'Plugin'
  | 'Parse'
  | 'Kustomize'
  | 'Timeout'
  | 'NotFound'
  | 'TooLarge';

/** A render that failed for a reason the repository's author can fix (or a limit that was hit). */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(
    readonly reason: RenderErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** Total bytes one render may read from the repository or from kustomize. */
export const maxRenderBytes = 64 * 1024 * 1024;

/** Counts bytes read by one render against {@link maxRenderBytes}. */
export class ByteBudget {
  private used = 0;
  constructor(private readonly limit = maxRenderBytes) {}

  /** Accounts for `bytes` more from `source`; throws TooLarge past the limit. */
  take(bytes: number, source: string): void {
    this.used += bytes;
    if (this.used > this.limit) {
      throw new RenderError(
        'TooLarge',
        `reading ${source} exceeds the render limit of ${formatBytes(this.limit)}`,
      );
    }
  }
}

/** Ends the render with Timeout once its deadline passed; called between steps. */
export function checkDeadline(signal: AbortSignal): void {
  if (signal.aborted) throw timeoutError(signal);
}

/** The Timeout error carried by a deadline signal (see {@link startDeadline}). */
export function timeoutError(signal: AbortSignal): RenderError {
  return signal.reason instanceof RenderError
    ? signal.reason
    : new RenderError('Timeout', 'render timed out');
}

/** A deadline for the whole render: its signal aborts with a Timeout RenderError. */
export function startDeadline(
  timeoutMs: number,
  path: string,
): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    const seconds = timeoutMs / 1000;
    controller.abort(
      new RenderError('Timeout', `rendering "${path}" did not finish within ${seconds}s`),
    );
  }, timeoutMs);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Human-readable size for messages. */
export function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
