import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** The outcome of a finished command; a non-zero exit is data, not an exception. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link runCommand}. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Also append both output streams to this file (build logs). */
  readonly logFile?: string;
  /** Ends the command (SIGTERM) when aborted. */
  readonly signal?: AbortSignal | undefined;
}

/** Raised when the program itself cannot be found or started. */
export class CommandNotFoundError extends Error {
  override readonly name = 'CommandNotFoundError';
  constructor(readonly command: string) {
    super(`${command}: not found`);
  }
}

/** Runs a short-lived command to completion and returns its exit code and output. */
export async function runCommand(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<CommandResult> {
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  try {
    return await new Promise<CommandResult>((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        log?.write(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        log?.write(chunk);
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') reject(new CommandNotFoundError(command));
        else if (err.name !== 'AbortError') reject(err);
        // An abort still ends in 'close', which resolves with the signal's exit code.
      });
      child.once('close', (code, signal) =>
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }),
      );
    });
  } finally {
    await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
  }
}

/** The last lines of a command's output, for error messages. */
export function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
