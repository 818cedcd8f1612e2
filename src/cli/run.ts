import { homedir } from 'node:os';

import { ConfigError, parseConfig, type RampConfig } from '../config.js';
import { LocalError } from '../local/errors.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { packageRoot } from '../version.js';

/** The config and logger every command gets, built once per process. */
export interface CliContext {
  readonly config: RampConfig;
  readonly log: Logger;
}

/** Parses the process environment once into the config, and builds the logger from it. */
export function cliContext(name: string): CliContext {
  const config = parseConfig(process.env, {
    packageRoot,
    homeDir: homedir(),
    cwd: process.cwd(),
    stderrIsTTY: process.stderr.isTTY === true,
  });
  return {
    config,
    log: createLogger({
      level: config.logLevel,
      format: config.logFormat,
      color: config.color,
      name,
    }),
  };
}

/** A problem the person at the terminal can fix: printed as one line, no stack trace. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    /** Process exit code (1 unless a command documents another, like `status` timing out). */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Runs a CLI entry point: expected failures print one clear message and exit 1, with no stack trace;
 * anything else is a bug and prints its stack.
 */
export function runCli(name: string, main: () => Promise<void>): void {
  main().then(
    () => undefined,
    (err: unknown) => {
      if (err instanceof LocalError || err instanceof ConfigError || err instanceof UserError) {
        process.stderr.write(`${name}: ${err.message}\n`);
        process.exitCode = err instanceof UserError ? err.exitCode : 1;
        return;
      } else {
        // Not an input problem but a bug: the stack is what a report needs.
        const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
        process.stderr.write(`${name}: unexpected error (please report): ${detail}\n`);
      }
      process.exitCode = 1;
    },
  );
}
