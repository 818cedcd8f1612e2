#!/usr/bin/env node
// The `ramp` command: the controller (later issues) and the local control plane tooling.
import { Command, InvalidArgumentError } from 'commander';

import { down, envExports, status, up } from '../local/cluster.js';
import { runController, type ControllerOptions } from './controller-command.js';
import { LocalError } from '../local/errors.js';
import { version } from '../version.js';
import { cliContext, runCli, type CliContext } from './run.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('expected a TCP port (1-65535)');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

/** Builds the `ramp` command tree. */
export function rampProgram(): Command {
  const program = new Command('ramp')
    .description('progressive delivery and GitOps controller')
    .version(version);
  // Parsed on first use (so --help works with a bad environment), then shared by every command.
  let context: CliContext | undefined;
  const ctx = (): CliContext => (context ??= cliContext('ramp'));
  addControllerCommand(program, ctx);
  addLocalCommands(program, ctx);
  return program;
}

function addControllerCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('controller')
    .description(
      'run the Rollout, AnalysisRun, GitRepository and GitSync controllers against the cluster of the kubeconfig',
    )
    .option('--kubeconfig <file>', 'kubeconfig (default: KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--namespace <ns>', 'watch only this namespace (default: all)')
    .option('--instance-id <id>', 'handle only Rollouts labelled with this controller instance id')
    .option('--workers <n>', 'Rollouts reconciled in parallel', positiveInt, 4)
    .option(
      '--prometheus-url <url>',
      'Prometheus for metrics that name no address (default: RAMP_PROMETHEUS_URL)',
    )
    .option('--no-leader-elect', 'do not elect a leader (a single replica)')
    .option(
      '--leader-election-namespace <ns>',
      'namespace of the Lease (default: --namespace or default)',
    )
    .option('--leader-election-lease-duration <d>', 'how long a Lease holds without renewal', '15s')
    .option(
      '--metrics-port <n>',
      '/metrics, /healthz and /readyz (0: a free port)',
      portNumber,
      8090,
    )
    .option('--metrics-host <host>', 'interface for the metrics server (default: all)')
    .option(
      '--notifications-namespace <ns>',
      'namespace of argo-rollouts-notification-configmap/-secret (default: --namespace or default)',
    )
    .option('--cluster-name <name>', 'the cluster’s name in notifications')
    .option('--no-gitops', 'do not run the GitRepository and GitSync controllers')
    .option('--git-cache-dir <dir>', 'where checkouts are kept (default: RAMP_CACHE_DIR/git)')
    .option(
      '--kustomize <file>',
      'kustomize binary for kustomizations (default: kustomize on PATH)',
    )
    .option(
      '--kubectl <file>',
      'kubectl binary used as `kubectl kustomize` when no kustomize is found',
    )
    .option(
      '--webhook-port <n>',
      'git webhook receiver, POST /hooks/NS/NAME (0: a free port)',
      portNumber,
      9292,
    )
    .option('--webhook-host <host>', 'interface for the webhook receiver (default: all)')
    .option(
      '--no-cross-namespace-refs',
      'refuse GitSync sourceRef/dependsOn in other namespaces (multi-tenant clusters)',
    )
    .option(
      '--default-service-account <name>',
      'GitSyncs without serviceAccountName apply as this account of their namespace',
    )
    .action(async (opts: ControllerOptions) => {
      await runController(opts, ctx());
    });
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('expected a port number (0-65535)');
  return n;
}

function addLocalCommands(program: Command, ctx: () => CliContext): void {
  const local = program
    .command('local')
    .description('a real Kubernetes control plane on loopback, without Docker')
    .option(
      '--run-dir <dir>',
      'run directory (default: RAMP_LOCAL_DIR or ~/.local/state/ramp/local)',
    );
  const runDir = (): string => local.opts<{ runDir?: string }>().runDir ?? ctx().config.localDir;

  local
    .command('up')
    .description(
      'build (once) and start etcd, kube-apiserver, controller-manager, scheduler, kwok and Prometheus',
    )
    .option('--api-port <port>', 'kube-apiserver port (default: a free port)', port)
    .option('--prometheus-port <port>', 'Prometheus port (default: a free port)', port)
    .option('--no-controller', 'only the control plane: no ramp controller, no example canary')
    .action(async (opts: { apiPort?: number; prometheusPort?: number; controller: boolean }) => {
      const { config, log } = ctx();
      // Ctrl-C (or a TERM) while starting: stop what was started instead of leaving it running.
      const interrupt = new AbortController();
      const onSignal = (): void => interrupt.abort();
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const result = await up({
        ...config,
        ...opts,
        withController: opts.controller,
        runDir: runDir(),
        log,
        signal: interrupt.signal,
      }).finally(() => process.off('SIGINT', onSignal).off('SIGTERM', onSignal));
      log.info(
        result.alreadyRunning ? 'already running; nothing started' : 'local control plane is up',
      );
      process.stdout.write(`# use it with:  eval "$(ramp local env)"\n${envExports(result.state)}`);
    });

  local
    .command('down')
    .description('stop every process `up` started (by pid)')
    .action(async () => {
      const { stopped } = await down(runDir());
      process.stdout.write(
        stopped.length
          ? `stopped ${stopped.map((d) => `${d.name} (${d.pid})`).join(', ')}\n`
          : 'nothing was running\n',
      );
    });

  local
    .command('status')
    .description('what runs, and whether the API server is ready')
    .action(async () => {
      const report = await status(runDir());
      if (!report.state) {
        process.stdout.write('not running\n');
        process.exitCode = 3;
        return;
      }
      for (const c of report.components)
        process.stdout.write(
          `${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.running ? 'running' : 'stopped'}\n`,
        );
      process.stdout.write(
        `${'kube-apiserver /readyz'.padEnd(24)} ${report.apiserverReady ? 'ok' : 'not ready'}  ${report.state.apiserverUrl}\n`,
      );
      process.stdout.write(`${'prometheus'.padEnd(24)} ${report.state.prometheusUrl}\n`);
      if (!report.apiserverReady || report.components.some((c) => !c.running)) process.exitCode = 1;
    });

  local
    .command('env')
    .description('print shell exports: KUBECONFIG and RAMP_PROMETHEUS_URL')
    .action(async () => {
      const report = await status(runDir());
      if (!report.state)
        throw new LocalError(`no local control plane in ${runDir()}: run 'ramp local up' first`);
      process.stdout.write(envExports(report.state));
    });
}

runCli('ramp', async () => {
  await rampProgram().parseAsync(process.argv);
});
