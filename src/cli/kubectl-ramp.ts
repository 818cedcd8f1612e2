#!/usr/bin/env node
// `kubectl ramp …`: kubectl finds this executable on PATH by its kubectl- prefix.
import { Command } from 'commander';

import { addGlobalOptions } from './plugin/context.js';
import { registerControlCommands } from './plugin/control-commands.js';
import { registerGitOpsCommands } from './plugin/gitops-commands.js';
import { registerViewCommands } from './plugin/view-commands.js';
import { runCli } from './run.js';

/** Builds the `kubectl ramp` command tree. */
export function pluginProgram(): Command {
  const program = addGlobalOptions(
    new Command('kubectl-ramp').description('promote, abort and watch ramp rollouts'),
  );
  registerViewCommands(program);
  registerControlCommands(program);
  registerGitOpsCommands(program);
  return program;
}

runCli('kubectl-ramp', async () => {
  await pluginProgram().parseAsync(process.argv);
});
