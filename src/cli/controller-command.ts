// `ramp controller`: the composition root of the running controller. It connects, waits to lead
// (one active replica), starts the AnalysisRun and Rollout controllers, and on a signal (or a lost
// lease) stops them and gives the lease up.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { hostname } from 'node:os';

import { createProviders } from '../analysis/providers/index.js';
import { AnalysisRunController } from '../controllers/analysisrun/controller.js';
import { RolloutController } from '../controllers/rollout/controller.js';
import { parseGoDuration } from '../decide/durations.js';
import { connect } from '../kube/client.js';
import { controllerInfoNamespace, publishControllerInfo } from '../kube/controller-info.js';
import { LeaderElector } from '../kube/leader.js';
import { createNotifier, type Notifier } from '../notify/index.js';
import { createControllerMetrics, type ControllerMetrics } from '../observability/metrics.js';
import { startMetricsServer } from '../observability/server.js';
import { version } from '../version.js';
import { startGitOpsControllers, startGitOpsWebhook, type GitOpsOptions } from './gitops-wiring.js';
import { UserError, type CliContext } from './run.js';

/** The flags of `ramp controller`. */
export interface ControllerOptions extends GitOpsOptions {
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly instanceId?: string;
  readonly workers: number;
  readonly prometheusUrl?: string;
  /** --no-leader-elect turns it off (a single replica, or tests). */
  readonly leaderElect: boolean;
  readonly leaderElectionNamespace?: string;
  readonly leaderElectionLeaseDuration: string;
  /** /metrics, /healthz, /readyz; 0 picks a free port. */
  readonly metricsPort: number;
  /** Interface for the metrics server (default: every interface). */
  readonly metricsHost?: string;
  /** Namespace of the notification ConfigMap and Secret (default: --namespace, else default). */
  readonly notificationsNamespace?: string;
  /** The cluster's name in notifications (default: the kubeconfig cluster's). */
  readonly clusterName?: string;
}

/** Why the controller stopped: a signal (exit 0) or a lost lease (exit 1). */
type StopReason = 'signal' | 'lost-lease';

/** Runs the controllers until SIGINT/SIGTERM or a lost lease. */
export async function runController(opts: ControllerOptions, ctx: CliContext): Promise<void> {
  const { log, config } = ctx;
  const kc = connect(opts.kubeconfig).config;
  const metrics = createControllerMetrics({ version });
  // Ready while waiting to lead too: a readiness probe that waited for the Lease would deadlock a
  // rolling update (the new pod cannot lead while the old one holds it).
  let ready = true;
  // Served from the start: a standby replica is alive (healthz) though not ready.
  const server = await startMetricsServer({
    host: opts.metricsHost,
    port: opts.metricsPort,
    metrics,
    ready: () => ready,
  }).catch((err: unknown) => {
    throw new UserError(`metrics server: ${err instanceof Error ? err.message : String(err)}`);
  });
  log.info({ port: server.port }, 'metrics on /metrics, health on /healthz and /readyz');
  const webhook = await startGitOpsWebhook(kc, log, opts);
  const elector = opts.leaderElect ? leaderElector(opts, ctx, kc) : undefined;
  let stop: (reason: StopReason) => void = () => undefined;
  let stopReason: StopReason | undefined;
  const stopped = new Promise<StopReason>((resolve) => {
    stop = (reason) => {
      stopReason ??= reason;
      resolve(reason);
    };
  });
  process.once('SIGINT', () => stop('signal')).once('SIGTERM', () => stop('signal'));
  if (elector) {
    log.info('waiting to become leader');
    // A lost lease ends the process at once: nothing may act after another replica can lead.
    await Promise.race([elector.acquire(() => loseLeadership(log)), stopped]);
    // Stopped while still a candidate: never start the controllers.
    if (stopReason) {
      await elector.release();
      await webhook.stop();
      await server.close();
      return;
    }
  }
  const analysis = new AnalysisRunController(kc, log, {
    ...opts,
    metrics,
    providerFor: createProviders(kc, {
      defaultPrometheusAddress: opts.prometheusUrl ?? config.prometheusUrl,
    }).providerFor,
  });
  const notifier = notifierFor(opts, { ...ctx, kc, metrics, elector });
  const rollouts = new RolloutController(kc, log, {
    ...opts,
    analysisRuns: analysis.cache,
    metrics,
    notifier,
  });
  ready = false;
  await analysis.start();
  await rollouts.start();
  const gitops = await startGitOpsControllers(kc, log, {
    ...opts,
    cacheDir: config.cacheDir,
    metrics,
  });
  ready = true;
  await publishInfo(opts, ctx, kc);
  const reason = await stopped;
  log.info({ reason }, 'stopping');
  await gitops.stop();
  await rollouts.stop();
  await analysis.stop();
  // Bounded: the pod's grace period must leave time to hand the Lease over.
  await Promise.race([notifier.drain(), delay(drainLimitMs)]);
  await elector?.release();
  await webhook.stop();
  await server.close();
  if (reason === 'lost-lease') process.exitCode = 1;
}

/** Longest wait for queued notifications at shutdown. */
const drainLimitMs = 5_000;

/** client-go's behaviour: a leader that lost its lease exits instead of winding down slowly. */
function loseLeadership(log: CliContext['log']): void {
  log.error('lost the leader lease: exiting so that no write happens after a successor leads');
  process.exit(1);
}

function leaderElector(
  opts: ControllerOptions,
  ctx: CliContext,
  kc: ReturnType<typeof connect>['config'],
): LeaderElector {
  const seconds = parseGoDuration(opts.leaderElectionLeaseDuration);
  if (!(seconds >= 1))
    throw new UserError(
      `--leader-election-lease-duration ${opts.leaderElectionLeaseDuration}: expected a duration of at least 1s`,
    );
  return new LeaderElector(kc, ctx.log, {
    namespace: opts.leaderElectionNamespace ?? opts.namespace ?? 'default',
    // One Lease per instance id: partitions led independently, as with Argo's instance ids.
    name: opts.instanceId ? `ramp-controller-lock-${opts.instanceId}` : 'ramp-controller-lock',
    identity: `${hostname()}_${process.pid}_${randomBytes(3).toString('hex')}`,
    leaseDurationMs: seconds * 1000,
  });
}

/** For `kubectl ramp version` (see src/kube/controller-info.ts); a failed write (RBAC) is a warning. */
async function publishInfo(
  opts: ControllerOptions,
  ctx: CliContext,
  kc: ReturnType<typeof connect>['config'],
): Promise<void> {
  const infoNs = controllerInfoNamespace(opts.namespace);
  await publishControllerInfo(kc, infoNs, {
    version,
    startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    watchNamespace: opts.namespace ?? '',
    instanceId: opts.instanceId ?? '',
    host: hostname(),
  }).catch((err: unknown) =>
    ctx.log.warn({ err, namespace: infoNs }, 'cannot publish the controller version'),
  );
}

/** Notifications go through the metrics and only ever from the leader. */
function notifierFor(
  opts: ControllerOptions,
  deps: CliContext & {
    kc: ReturnType<typeof connect>['config'];
    metrics: ControllerMetrics;
    elector: LeaderElector | undefined;
  },
): Notifier {
  const { kc, metrics, elector } = deps;
  return createNotifier({
    kc,
    log: deps.log,
    clusterName: opts.clusterName ?? kc.getCurrentCluster()?.name ?? 'kubernetes',
    configNamespace: opts.notificationsNamespace ?? opts.namespace ?? 'default',
    metrics: {
      sent: (service, trigger) => metrics.notificationSent(service, trigger),
      failed: (service, trigger) => metrics.notificationFailed(service, trigger),
    },
    isLeader: () => !elector || elector.isLeader(),
  });
}
