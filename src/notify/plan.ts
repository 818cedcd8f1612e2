// Turns one event and one subscribed service into the concrete deliveries to make: which URL,
// which body, which headers — or why none can be made. Pure, so every sink's output is tested
// without a network; the notifier only executes the plan.
import {
  type CardService,
  type NotifyConfig,
  type ServiceConfig,
  type SlackService,
  type TemplateConfig,
  type WebhookService,
} from './config.js';
import { DeliveryError, shownDestination, type HttpDelivery } from './deliver.js';
import {
  defaultMessage,
  eventFacts,
  eventReason,
  templateData,
  triggerSeverity,
  triggerTitle,
  webhookPayload,
} from './payload.js';
import {
  cut,
  discordMessage,
  slackMessage,
  teamsAdaptiveCard,
  teamsMessageCard,
  type Built,
  type Content,
  type SinkInput,
} from './sinks.js';
import { renderTemplate } from './template.js';
import type { NotificationEvent } from './types.js';

/** The service every cluster has: a Kubernetes Event on the Rollout. Subscribe with `.events: ""`. */
export const eventsService = 'events';

/** A Kubernetes Event to record on the Rollout. */
export interface EventRecord {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** One delivery to make, or why it cannot be made. */
export type Planned =
  | {
      readonly kind: 'http';
      readonly service: string;
      /** Scheme, host and port: all a log line may show of the URL. */
      readonly destination: string;
      /** Values to scrub from anything logged about this delivery. */
      readonly secrets: readonly string[];
      /** Template problems met while building (the default was used instead). */
      readonly problems: readonly string[];
      readonly request: HttpDelivery;
    }
  | {
      readonly kind: 'event';
      readonly service: string;
      readonly destination: string;
      readonly secrets: readonly string[];
      readonly problems: readonly string[];
      readonly record: EventRecord;
    }
  | { readonly kind: 'error'; readonly service: string; readonly error: string };

/** The event being told and where the configuration came from. */
export interface PlanInput {
  readonly event: NotificationEvent;
  readonly clusterName: string;
  readonly config: NotifyConfig;
}

/** Kubernetes keeps Event messages short; longer ones are cut. */
const maxEventMessage = 1024;

/** The deliveries for one subscribed service and its recipients. */
export function planDeliveries(
  input: PlanInput,
  service: string,
  recipients: readonly string[],
): Planned[] {
  const svc = input.config.services.get(service);
  const { templates, problems } = templatesFor(input.config, input.event.trigger);
  if (!svc && service !== eventsService) {
    return [{ kind: 'error', service, error: `no service "${service}" is configured` }];
  }
  const out: Planned[] = [];
  for (const template of templates) {
    const planned = svc
      ? planService(input, svc, recipients, template)
      : [planEvent(input, template)];
    out.push(...planned.map((p) => withProblems(p, problems)));
  }
  return out;
}

/** The templates a trigger sends: the configured ones, or the built-in message (undefined). */
export function templatesFor(
  config: NotifyConfig,
  trigger: string,
): { templates: (TemplateConfig | undefined)[]; problems: string[] } {
  const names = config.triggers.get(trigger);
  if (!names) return { templates: [undefined], problems: [] };
  const problems: string[] = [];
  const templates: (TemplateConfig | undefined)[] = [];
  for (const name of names) {
    const t = config.templates.get(name);
    if (!t)
      problems.push(
        `trigger ${trigger} sends template "${name}", which is not defined (or invalid); using the built-in message`,
      );
    if (!templates.includes(t)) templates.push(t);
  }
  return { templates, problems };
}

function withProblems(p: Planned, extra: readonly string[]): Planned {
  return p.kind === 'error' || extra.length === 0
    ? p
    : { ...p, problems: [...extra, ...p.problems] };
}

function planService(
  input: PlanInput,
  svc: ServiceConfig,
  recipients: readonly string[],
  template: TemplateConfig | undefined,
): Planned[] {
  switch (svc.type) {
    case 'slack':
      return planSlack(input, svc, recipients, template);
    case 'webhook':
      return [planWebhook(input, svc, template)];
    default:
      return planCard(input, svc, recipients, template);
  }
}

/** The content and template data for one destination. */
function sinkInput(
  input: PlanInput,
  template: TemplateConfig | undefined,
  to: { serviceType: string; recipient: string; sink?: 'slack' | 'teams' | 'discord' },
): SinkInput {
  const { event, clusterName, config } = input;
  const data = templateData(event, clusterName, { ...to, context: config.context });
  const content: Content = {
    title: triggerTitle(event.trigger),
    text: template?.message ? renderTemplate(template.message, data) : defaultMessage(event),
    severity: triggerSeverity(event.trigger),
    facts: eventFacts(event, clusterName),
  };
  return { content, data, overrides: to.sink ? template?.fields[to.sink] : undefined };
}

function httpPlan(
  svc: ServiceConfig,
  built: Built | undefined,
  request: Omit<HttpDelivery, 'body'> & { body?: string },
): Planned {
  return {
    kind: 'http',
    service: svc.name,
    destination: shownDestination(request.url),
    secrets: svc.secrets,
    problems: built?.problems ?? [],
    request: { ...request, body: request.body ?? JSON.stringify(built?.body ?? {}) },
  };
}

const jsonHeaders = { 'Content-Type': 'application/json' };

function planSlack(
  input: PlanInput,
  svc: SlackService,
  recipients: readonly string[],
  template: TemplateConfig | undefined,
): Planned[] {
  const extra = { username: svc.username, icon: svc.icon };
  if (svc.url) {
    // An incoming webhook posts to the channel it was created for; recipients do not apply.
    const built = slackMessage(
      sinkInput(input, template, {
        serviceType: 'slack',
        recipient: recipients[0] ?? '',
        sink: 'slack',
      }),
      extra,
    );
    return [httpPlan(svc, built, { url: svc.url, method: 'POST', headers: jsonHeaders })];
  }
  const channels = recipients.length > 0 ? recipients : svc.channels;
  if (channels.length === 0) {
    return [
      {
        kind: 'error',
        service: svc.name,
        error: 'no Slack channel: subscribe with a channel as recipient',
      },
    ];
  }
  return channels.map((channel) => {
    const built = slackMessage(
      sinkInput(input, template, { serviceType: 'slack', recipient: channel, sink: 'slack' }),
      {
        ...extra,
        channel,
      },
    );
    return httpPlan(svc, built, {
      url: svc.apiURL,
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        Authorization: `Bearer ${svc.token ?? ''}`,
      },
      check: slackApiCheck,
    });
  });
}

/** Slack's Web API answers 200 with `{ok: false, error}`; the error code is safe to log. */
export function slackApiCheck(text: string): DeliveryError | undefined {
  let answer: { ok?: unknown; error?: unknown };
  try {
    answer = JSON.parse(text) as { ok?: unknown; error?: unknown };
  } catch {
    return undefined;
  }
  if (answer.ok !== false) return undefined;
  const code = typeof answer.error === 'string' ? answer.error : 'unknown_error';
  return new DeliveryError(`Slack answered ${code}`, code === 'ratelimited');
}

const cardBuilders: Record<CardService['type'], (i: SinkInput) => Built> = {
  teams: teamsMessageCard,
  'teams-workflows': teamsAdaptiveCard,
  discord: discordMessage,
};

function planCard(
  input: PlanInput,
  svc: CardService,
  recipients: readonly string[],
  template: TemplateConfig | undefined,
): Planned[] {
  const sink = svc.type === 'discord' ? 'discord' : 'teams';
  const targets = recipients.length > 0 ? recipients : [''];
  return targets.map((recipient) => {
    const url = recipient === '' ? svc.url : svc.recipientUrls[recipient];
    if (!url) {
      const error = recipient
        ? `recipient "${recipient}" is not in recipientUrls`
        : 'no recipient and no `url`';
      return { kind: 'error', service: svc.name, error };
    }
    const built = cardBuilders[svc.type](
      sinkInput(input, template, { serviceType: svc.type, recipient, sink }),
    );
    return httpPlan(svc, built, { url, method: 'POST', headers: jsonHeaders });
  });
}

function planWebhook(
  input: PlanInput,
  svc: WebhookService,
  template: TemplateConfig | undefined,
): Planned {
  const si = sinkInput(input, template, { serviceType: 'webhook', recipient: '' });
  const spec = template?.webhook[svc.name];
  const url =
    svc.url + (spec?.path ? renderTemplate(spec.path, si.data, 'url').replace(/%2F/gi, '/') : '');
  const body = spec?.body
    ? renderTemplate(spec.body, si.data, 'json')
    : JSON.stringify(webhookPayload(input.event, input.clusterName, si.content.text));
  // Argo defaults to GET; a body only travels with a method that carries one, so POST then.
  const method = spec?.method ?? (spec && !spec.body ? 'GET' : 'POST');
  return httpPlan(svc, undefined, {
    url,
    method,
    headers: webhookHeaders(svc),
    body,
    signWith: svc.secret,
  });
}

function webhookHeaders(svc: WebhookService): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  for (const h of svc.headers) headers[h.name] = h.value;
  if (svc.basicAuth) {
    const { username, password } = svc.basicAuth;
    headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  return headers;
}

function planEvent(input: PlanInput, template: TemplateConfig | undefined): Planned {
  const { event, clusterName } = input;
  const si = sinkInput(input, template, { serviceType: eventsService, recipient: '' });
  // The Event is already about the Rollout, and carries its own timestamp.
  const facts = eventFacts(event, clusterName)
    .filter((f) => !['Rollout', 'Namespace', 'Time'].includes(f.name))
    .map((f) => `${f.name}: ${f.value}`)
    .join(', ');
  return {
    kind: 'event',
    service: eventsService,
    destination: 'Kubernetes Events',
    secrets: [],
    problems: [],
    record: {
      type: triggerSeverity(event.trigger) === 'failure' ? 'Warning' : 'Normal',
      reason: eventReason(event.trigger),
      message: cut(facts ? `${si.content.text} (${facts})` : si.content.text, maxEventMessage),
    },
  };
}
