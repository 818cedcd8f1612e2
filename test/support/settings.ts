// The same parsed config the CLI uses, for tests that need the cache or tool locations.
import { homedir } from 'node:os';

import { parseConfig, type RampConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { packageRoot } from '../../src/version.js';

/** ramp's config as parsed from the test process environment. */
export const testConfig: RampConfig = parseConfig(process.env, {
  packageRoot,
  homeDir: homedir(),
  cwd: process.cwd(),
  stderrIsTTY: false,
});

/** A quiet logger for code under test. */
export const testLog: Logger = createLogger({
  level: 'warn',
  format: 'json',
  color: false,
  name: 'test',
});
