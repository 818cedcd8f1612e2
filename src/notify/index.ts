// Notifications when canaries fail (and at the other moments of a rollout), configured the way
// Argo Rollouts users already do: subscription annotations on the Rollout or its Namespace, and
// services, templates and triggers in argo-rollouts-notification-configmap/-secret.
// docs/notifications.md describes the format.
import { startNotifier } from './notifier.js';
import { createConfigSource } from './source.js';
import type { Notifier, NotifierOptions } from './types.js';

export type { NotificationEvent, Notifier, NotifyMetrics, RetryOptions } from './types.js';
export { signatureHeader, timestampHeader, verifySignature } from './signing.js';

/** Creates the notifier; it reads its configuration from `configNamespace` as events arrive. */
export function createNotifier(opts: NotifierOptions): Notifier {
  return startNotifier(opts, createConfigSource(opts.kc, opts.configNamespace, opts.log));
}
