// Who wants to hear about what: `notifications.argoproj.io/subscribe.<trigger>.<service>:
// <recipients>` annotations, as Argo's notifications engine reads them, on the Rollout and on its
// Namespace (so a team can subscribe every Rollout of its namespace at once).

/** Prefix of every subscription annotation key. */
export const subscribeAnnotationPrefix = 'notifications.argoproj.io/subscribe.';

/** One annotation: a trigger ('' = the configured default triggers), a service, its recipients. */
export interface Subscription {
  readonly trigger: string;
  readonly service: string;
  readonly recipients: readonly string[];
}

/** The subscriptions among a set of annotations; keys that do not parse are skipped. */
export function parseSubscriptions(
  annotations: Readonly<Record<string, string>> | undefined,
): Subscription[] {
  const subs: Subscription[] = [];
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const sub = parseOne(key, value);
    if (sub) subs.push(sub);
  }
  return subs;
}

function parseOne(key: string, value: string): Subscription | undefined {
  if (!key.startsWith(subscribeAnnotationPrefix)) return undefined;
  const rest = key.slice(subscribeAnnotationPrefix.length);
  // Trigger names have no dots; service names may (a custom name never does in practice, but
  // the first dot is the only unambiguous split).
  const dot = rest.indexOf('.');
  const trigger = dot < 0 ? '' : rest.slice(0, dot);
  const service = dot < 0 ? rest : rest.slice(dot + 1);
  if (!service || (dot >= 0 && !trigger)) return undefined;
  return { trigger, service, recipients: splitRecipients(value) };
}

/** Recipients are `;`-separated; blanks are dropped (webhooks take none). */
export function splitRecipients(value: string): string[] {
  return value
    .split(';')
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
}

/**
 * The services (with their recipients) that want `trigger`, from the Rollout's and the
 * Namespace's subscriptions together. Recipients of the same service are united, each once.
 */
export function recipientsFor(
  trigger: string,
  subscriptions: readonly Subscription[],
  defaultTriggers: readonly string[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const sub of subscriptions) {
    const wanted = sub.trigger === '' ? defaultTriggers.includes(trigger) : sub.trigger === trigger;
    if (!wanted) continue;
    const list = out.get(sub.service) ?? [];
    for (const r of sub.recipients) if (!list.includes(r)) list.push(r);
    out.set(sub.service, list);
  }
  return out;
}
