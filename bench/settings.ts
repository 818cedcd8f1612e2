// Config and a quiet logger for benchmarks, parsed once like the CLI does.
import { homedir } from 'node:os';

import { parseConfig, type RampConfig } from '../src/config.js';
import { createLogger, type Logger } from '../src/observability/logger.js';
import { packageRoot } from '../src/version.js';

/** ramp's config from the benchmark's environment. */
export const benchConfig: RampConfig = parseConfig(process.env, {
  packageRoot,
  homeDir: homedir(),
  cwd: process.cwd(),
  stderrIsTTY: false,
});

/** Warnings only: benchmarks print their figures, not progress. */
export const benchLog: Logger = createLogger({
  level: 'warn',
  format: 'json',
  color: false,
  name: 'bench',
});
