// The shapes the controller and the notifier share. Kept apart from index.ts so every module of
// src/notify can use them without importing the notifier itself. Optional fields also accept an
// explicit `undefined` (exactOptionalPropertyTypes), so the controller can pass what it has as is.
import type { KubeConfig } from '@kubernetes/client-node';

import type { Logger } from '../observability/logger.js';

/** Something worth telling a person about. */
export interface NotificationEvent {
  /**
   * 'on-analysis-run-failed' | 'on-analysis-run-error' | 'on-rollout-aborted' | 'on-rollout-paused'
   * | 'on-rollout-completed' | 'on-rollout-step-completed' | 'on-rollout-updated' (+ later
   * 'on-sync-failed' | 'on-sync-succeeded' | 'on-health-degraded').
   */
  readonly trigger: string;
  readonly rollout: {
    name: string;
    namespace: string;
    uid: string;
    annotations: Record<string, string>;
    labels: Record<string, string>;
  };
  readonly revision: number;
  /** The controller's event message. */
  readonly message: string;
  /**
   * When a moment that can recur in one revision and step happened (the abort's abortedAt, the
   * pause's startTime), so a second abort after a retry is told again.
   */
  readonly occurrence?: string | undefined;
  /** Old (stable) and new (canary) image. */
  readonly images: { stable?: string | undefined; canary?: string | undefined };
  /** `index` is 0-based like status.currentStepIndex; messages show it as `index + 1`/`count`. */
  readonly step?: { index: number; count: number } | undefined;
  /** Traffic weights in percent. */
  readonly weights?: { canary: number; stable: number } | undefined;
  readonly analysis?:
    | {
        runName: string;
        metricName?: string | undefined;
        value?: string | undefined;
        condition?: string | undefined;
        message?: string | undefined;
      }
    | undefined;
  /** RFC 3339. */
  readonly time: string;
}

/** Sends notifications in the background; notify() never blocks or throws. */
export interface Notifier {
  notify(event: NotificationEvent): void;
  /** Waits for queued sends (tests, shutdown). */
  drain(): Promise<void>;
}

/** Counters of deliveries; a full queue counts as `failed('queue', trigger)`. */
export interface NotifyMetrics {
  sent(service: string, trigger: string): void;
  failed(service: string, trigger: string): void;
}

/** Retry and timeout knobs of one delivery. */
export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts: number;
  /** Wait before the second try; doubled before each further one. */
  initialDelayMs: number;
  /** Budget of one try. */
  timeoutMs: number;
}

/** What createNotifier needs. */
export interface NotifierOptions {
  kc: KubeConfig;
  log: Logger;
  clusterName: string;
  /** Namespace holding argo-rollouts-notification-configmap / -secret (the controller's). */
  configNamespace: string;
  /** Counters, see NotifyMetrics. */
  metrics?: NotifyMetrics | undefined;
  /** Send only while this returns true (leader election: no sends from a non-leader). */
  isLeader?: (() => boolean) | undefined;
  /** Retry and timeout knobs (tests make them short). */
  retry?: RetryOptions | undefined;
}
