// The background sender. notify() only checks leadership and the dedupe set and appends to a
// bounded queue, so the reconcile loop never waits on a chat service; a few workers take events
// off the queue, read the configuration, plan the deliveries and run them with retries.
import type { KubeConfig } from '@kubernetes/client-node';

import { KubeRequestError } from '../kube/raw.js';
import { recordEvent } from '../kube/rollout-io.js';
import { dedupeKey, RecentKeys } from './dedupe.js';
import { DeliveryError, httpAttempt, scrub, withRetries, type Attempt } from './deliver.js';
import { planDeliveries, type EventRecord, type Planned } from './plan.js';
import type { ConfigSource } from './source.js';
import { parseSubscriptions, recipientsFor } from './subscriptions.js';
import type {
  NotificationEvent,
  Notifier,
  NotifierOptions,
  NotifyMetrics,
  RetryOptions,
} from './types.js';

/** Events waiting at most; past that new ones are dropped and counted. */
export const queueCapacity = 1000;
/** Moments remembered for deduplication. */
const dedupeCapacity = 10_000;
/** Events handled at once, so one slow receiver does not hold up every other alert. */
const workers = 4;
/** Argo's webhook defaults: 3 tries; a chat service that needs more than 10 s is down. */
export const defaultRetry: RetryOptions = { attempts: 3, initialDelayMs: 1000, timeoutMs: 10_000 };

const noMetrics: NotifyMetrics = { sent: () => undefined, failed: () => undefined };

/** A Notifier over a configuration source (the API server in production, a fake in tests). */
export function startNotifier(opts: NotifierOptions, source: ConfigSource): Notifier {
  const metrics = opts.metrics ?? noMetrics;
  const isLeader = opts.isLeader ?? (() => true);
  const retry = opts.retry ?? defaultRetry;
  const seen = new RecentKeys(dedupeCapacity);
  const queue: NotificationEvent[] = [];
  const idle: (() => void)[] = [];
  let active = 0;
  let scheduled = false;
  let dropped = 0;

  const ctx: HandleContext = { opts, source, metrics, isLeader, retry };
  const pump = (): void => {
    scheduled = false;
    while (active < workers && queue.length > 0) {
      const event = queue.shift() as NotificationEvent;
      active++;
      void handle(ctx, event)
        .catch((err: unknown) => opts.log.warn({ err }, 'notifications: unexpected failure'))
        .finally(() => {
          active--;
          pump();
          if (active === 0 && queue.length === 0) idle.splice(0).forEach((resolve) => resolve());
        });
    }
  };

  const enqueue = (event: NotificationEvent): void => {
    if (!isLeader()) return;
    const key = dedupeKey(event);
    if (seen.has(key)) return;
    if (queue.length >= queueCapacity) {
      // Not remembered: the controller reports the moment again and it may fit later.
      metrics.failed('queue', event.trigger);
      if (dropped++ % 100 === 0) opts.log.warn({ dropped }, 'notifications: queue full, dropping');
      return;
    }
    seen.add(key);
    queue.push(event);
    if (!scheduled) {
      scheduled = true;
      setImmediate(pump);
    }
  };

  return {
    notify: (event) => {
      try {
        enqueue(event);
      } catch (err) {
        opts.log.warn({ err }, 'notifications: event not queued');
      }
    },
    drain: () =>
      active === 0 && queue.length === 0 && !scheduled
        ? Promise.resolve()
        : new Promise<void>((resolve) => idle.push(resolve)),
  };
}

interface HandleContext {
  readonly opts: NotifierOptions;
  readonly source: ConfigSource;
  readonly metrics: NotifyMetrics;
  readonly isLeader: () => boolean;
  readonly retry: RetryOptions;
}

async function handle(ctx: HandleContext, event: NotificationEvent): Promise<void> {
  const config = await ctx.source.config();
  const nsAnnotations = await ctx.source.namespaceAnnotations(event.rollout.namespace);
  const subscriptions = [
    ...parseSubscriptions(event.rollout.annotations),
    ...parseSubscriptions(nsAnnotations),
  ];
  const wanted = recipientsFor(event.trigger, subscriptions, config.defaultTriggers);
  const input = { event, clusterName: ctx.opts.clusterName, config };
  const planned = [...wanted].flatMap(([service, recipients]) =>
    planDeliveries(input, service, recipients),
  );
  await Promise.all(planned.map((p) => deliver(ctx, event, p)));
}

async function deliver(ctx: HandleContext, event: NotificationEvent, p: Planned): Promise<void> {
  const { log } = ctx.opts;
  const about = {
    rollout: `${event.rollout.namespace}/${event.rollout.name}`,
    trigger: event.trigger,
  };
  if (p.kind === 'error') {
    // The service name comes from an annotation anyone can write: one label value for all of
    // the unconfigured ones keeps the metric's series bounded.
    ctx.metrics.failed('unconfigured', event.trigger);
    log.warn({ ...about, service: p.service }, `notification not sent: ${p.error}`);
    return;
  }
  for (const problem of p.problems) {
    log.warn(
      { ...about, service: p.service },
      `notification template: ${scrub(problem, p.secrets)}`,
    );
  }
  if (!ctx.isLeader()) return;
  const attempt =
    p.kind === 'http' ? httpAttempt(p.request) : eventAttempt(ctx.opts.kc, event, p.record);
  const outcome = await withRetries(attempt, ctx.retry, ctx.isLeader);
  if (outcome.ok) {
    ctx.metrics.sent(p.service, event.trigger);
    return;
  }
  ctx.metrics.failed(p.service, event.trigger);
  log.warn(
    { ...about, service: p.service, destination: p.destination, attempts: outcome.attempts },
    `notification not delivered: ${scrub(outcome.reason, p.secrets)}`,
  );
}

function eventAttempt(kc: KubeConfig, event: NotificationEvent, record: EventRecord): Attempt {
  const r = event.rollout;
  return async () => {
    try {
      await recordEvent(
        kc,
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Rollout',
          namespace: r.namespace,
          name: r.name,
          uid: r.uid,
        },
        record,
      );
    } catch (err) {
      if (!(err instanceof KubeRequestError)) throw err;
      const retryable = err.statusCode === 429 || err.statusCode >= 500;
      throw new DeliveryError(`HTTP ${err.statusCode}: ${err.message}`, retryable);
    }
  };
}
