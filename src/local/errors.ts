/**
 * A failure of the local control plane that a person can act on. Its message is complete on its
 * own (what failed, why, what to do), so the CLI prints it without a stack trace.
 */
export class LocalError extends Error {
  override readonly name = 'LocalError';
}
