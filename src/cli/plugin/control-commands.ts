// The commands that change a rollout (promote, abort, …) and the analysis and utility commands.
import type { Command } from 'commander';

import { version } from '../../version.js';

/** Registers the commands that act on rollouts and analysis runs, and version. */
export function registerControlCommands(program: Command): void {
  program
    .command('version')
    .description('print the plugin version')
    .action(() => {
      process.stdout.write(`kubectl-ramp: v${version}\n`);
    });
}
