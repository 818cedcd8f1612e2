// What every notification says, whatever the sink: the facts of the event (rollout, revision,
// images, step, weights, the failing metric, cluster, time), a title and severity per trigger,
// the built-in message used when the user configured no template, and the data templates read.
import type { NotificationEvent } from './types.js';

/** How bad the news is; sinks pick colours and Event types from it. */
export type Severity = 'failure' | 'warning' | 'success' | 'info';

/** A labelled value, shown as a field, fact or embed field by the sinks. */
export interface Fact {
  readonly name: string;
  readonly value: string;
}

const triggerInfo: Readonly<Record<string, { title: string; severity: Severity }>> = {
  'on-analysis-run-failed': { title: 'Analysis failed', severity: 'failure' },
  'on-analysis-run-error': { title: 'Analysis error', severity: 'failure' },
  'on-rollout-aborted': { title: 'Rollout aborted', severity: 'failure' },
  'on-rollout-paused': { title: 'Rollout paused', severity: 'warning' },
  'on-rollout-completed': { title: 'Rollout completed', severity: 'success' },
  'on-rollout-step-completed': { title: 'Rollout step completed', severity: 'info' },
  'on-rollout-updated': { title: 'Rollout updated', severity: 'info' },
  'on-sync-failed': { title: 'Sync failed', severity: 'failure' },
  'on-sync-succeeded': { title: 'Sync succeeded', severity: 'success' },
  'on-health-degraded': { title: 'Health degraded', severity: 'failure' },
};

/** A human title for a trigger ('on-foo-bar' → 'Foo bar' when it is not a known one). */
export function triggerTitle(trigger: string): string {
  const known = triggerInfo[trigger];
  if (known) return known.title;
  const words = trigger.replace(/^on-/, '').replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The severity of a trigger; unknown triggers are informational. */
export function triggerSeverity(trigger: string): Severity {
  return triggerInfo[trigger]?.severity ?? 'info';
}

/**
 * The Event reason for a trigger: 'on-analysis-run-failed' → 'AnalysisRunFailed', which is also
 * the reason Argo's controller uses for the same moment.
 */
export function eventReason(trigger: string): string {
  return trigger
    .replace(/^on-/, '')
    .split('-')
    .filter((w) => w.length > 0)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** "2/5" for a 0-based step index, as people count steps. */
export function stepText(step: NotificationEvent['step']): string | undefined {
  return step ? `${step.index + 1}/${step.count}` : undefined;
}

/** The facts of an event in display order; absent ones are left out. */
export function eventFacts(event: NotificationEvent, clusterName: string): Fact[] {
  const a = event.analysis;
  const w = event.weights;
  const facts: [string, string | undefined][] = [
    ['Rollout', event.rollout.name],
    ['Namespace', event.rollout.namespace],
    ['Revision', String(event.revision)],
    ['Old image', event.images.stable],
    ['New image', event.images.canary],
    ['Step', stepText(event.step)],
    ['Weights', w ? `canary ${w.canary}% / stable ${w.stable}%` : undefined],
    ['Metric', a?.metricName],
    ['Value', a?.value],
    ['Condition', a?.condition],
    ['AnalysisRun', a?.runName],
    ['Analysis message', a?.message],
    ['Cluster', clusterName],
    ['Time', event.time],
  ];
  return facts
    .filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '')
    .map(([name, value]) => ({ name, value }));
}

/** The built-in message of a trigger: one headline with the analysis verdict and the controller's words. */
export function defaultMessage(event: NotificationEvent): string {
  const r = event.rollout;
  const step = stepText(event.step);
  let text = `${triggerTitle(event.trigger)}: rollout ${r.namespace}/${r.name} revision ${event.revision}`;
  if (step) text += `, step ${step}`;
  text += '.';
  const metric = metricSentence(event.analysis);
  if (metric) text += ` ${metric}`;
  if (event.message) text += ` ${event.message}`;
  return text;
}

function metricSentence(a: NotificationEvent['analysis']): string | undefined {
  if (!a?.metricName) return undefined;
  const value = a.value === undefined ? '' : ` = ${a.value}`;
  const condition = a.condition ? ` (condition: ${a.condition})` : '';
  return `Metric ${a.metricName}${value}${condition} in AnalysisRun ${a.runName}.`;
}

/** The data templates render from; docs/notifications.md lists these fields. */
export function templateData(
  event: NotificationEvent,
  clusterName: string,
  extra: { serviceType: string; recipient: string; context: Readonly<Record<string, string>> },
): Record<string, unknown> {
  const r = event.rollout;
  return {
    rollout: {
      metadata: {
        name: r.name,
        namespace: r.namespace,
        uid: r.uid,
        annotations: r.annotations,
        labels: r.labels,
      },
    },
    trigger: event.trigger,
    title: triggerTitle(event.trigger),
    revision: event.revision,
    message: event.message,
    images: event.images,
    step: event.step ? { ...event.step, number: event.step.index + 1 } : undefined,
    weights: event.weights,
    analysis: event.analysis,
    cluster: clusterName,
    time: event.time,
    serviceType: extra.serviceType,
    recipient: extra.recipient,
    context: extra.context,
  };
}

/** The JSON a webhook receives when its template sets no body. */
export function webhookPayload(
  event: NotificationEvent,
  clusterName: string,
  text: string,
): Record<string, unknown> {
  const r = event.rollout;
  return {
    trigger: event.trigger,
    title: triggerTitle(event.trigger),
    severity: triggerSeverity(event.trigger),
    text,
    message: event.message,
    rollout: { name: r.name, namespace: r.namespace, uid: r.uid },
    revision: event.revision,
    images: event.images,
    step: event.step ? { ...event.step, number: event.step.index + 1 } : undefined,
    weights: event.weights,
    analysis: event.analysis,
    cluster: clusterName,
    time: event.time,
  };
}
