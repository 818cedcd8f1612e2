/**
 * A failure of the local control plane that a person can act on. Its message is complete on its
 * own (what failed, why, what to do), so the CLI prints it without a stack trace.
 */
export class LocalError extends Error {
  override readonly name = 'LocalError';
}

/** Raises a LocalError when the caller has been interrupted (Ctrl-C), so clean-up paths run. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LocalError('interrupted; stopping what was started');
}
