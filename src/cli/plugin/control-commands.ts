// The commands that change a rollout (promote, abort, …) and the analysis and utility commands.
import { Argument, type Command } from 'commander';

import { readControllerInfo, type ControllerInfo } from '../../kube/controller-info.js';
import { version } from '../../version.js';
import type { UserError } from '../run.js';
import { registerAnalysisRunCommands, registerAnalyze } from './analysis-commands.js';
import { completionScript, completionShells, type Shell } from './completion.js';
import { explain, type Session } from './context.js';
import { registerLint } from './lint.js';
import {
  registerRolloutCommands,
  registerTemplateCommands,
  sessionOf,
} from './rollout-commands.js';

/** Registers the commands that act on rollouts and analysis runs, and version. */
export function registerControlCommands(program: Command): void {
  registerRolloutCommands(program);
  registerTemplateCommands(program);
  registerAnalysisRunCommands(program);
  registerAnalyze(program);
  registerLint(program);

  program
    .command('version')
    .description('print the plugin version and the version of the controller')
    .option('--client', 'only the plugin version (no cluster access)')
    .action(async (opts: { client?: boolean }, cmd: Command) => {
      process.stdout.write(`kubectl-ramp: v${version}\n`);
      if (opts.client) return;
      process.stdout.write(`controller: ${await controllerVersion(cmd)}\n`);
    });

  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(completionShells))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell, program));
    });
}

/** How long `version` waits for the cluster before saying the controller version is unknown. */
const versionTimeoutMs = 5_000;

/**
 * The controller's version as it published it (see src/kube/controller-info.ts): looked up in the
 * command's namespace, then in `default`. Never fails: version must work without a cluster.
 */
async function controllerVersion(cmd: Command): Promise<string> {
  let s: Session;
  try {
    s = sessionOf(cmd);
  } catch (err) {
    return `unknown (${(err as UserError).message})`;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`unknown (no answer from the cluster in ${versionTimeoutMs / 1000}s)`),
      versionTimeoutMs,
    );
  });
  try {
    return await Promise.race([lookUp(s), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function lookUp(s: Session): Promise<string> {
  try {
    for (const namespace of [...new Set([s.namespace, 'default'])]) {
      const info = await readControllerInfo(s.kc, namespace);
      if (info) return describe(info, namespace);
    }
    return 'unknown (not found)';
  } catch (err) {
    return `unknown (${explain(err, undefined, s.kc).message})`;
  }
}

function describe(info: ControllerInfo, namespace: string): string {
  const watches = info.watchNamespace ? `namespace "${info.watchNamespace}"` : 'all namespaces';
  const id = info.instanceId ? `, instance-id "${info.instanceId}"` : '';
  const started = info.startedAt ? `, started ${info.startedAt}` : '';
  return `v${info.version} (watches ${watches}${id}${started}; published in ${namespace}/ramp-controller)`;
}
