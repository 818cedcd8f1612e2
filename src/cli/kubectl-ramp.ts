#!/usr/bin/env node
// `kubectl ramp …`: kubectl finds this executable on PATH by its kubectl- prefix.
import { Command } from 'commander';

import { version } from '../version.js';
import { runCli } from './run.js';

/** Builds the `kubectl ramp` command tree. */
export function pluginProgram(): Command {
  const program = new Command('kubectl-ramp').description('promote, abort and watch ramp rollouts');
  program
    .command('version')
    .description('print the plugin version')
    .action(() => {
      process.stdout.write(`kubectl-ramp: v${version}\n`);
    });
  return program;
}

runCli('kubectl-ramp', async () => {
  await pluginProgram().parseAsync(process.argv);
});
