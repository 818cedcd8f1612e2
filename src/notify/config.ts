// Parses argo-rollouts-notification-configmap (services, templates, triggers) with the values of
// argo-rollouts-notification-secret substituted for `$key` references. Each ConfigMap key is
// parsed on its own: one broken key is reported and skipped, the rest keeps working. Errors name
// keys, never values — a resolved service holds tokens and webhook URLs that are secrets.
import { parse as parseYaml } from 'yaml';

import { compileTemplate, type Template } from './template.js';

/** The ConfigMap Argo Rollouts users already have. */
export const configMapName = 'argo-rollouts-notification-configmap';
/** The Secret its `$key` references point into. */
export const secretName = 'argo-rollouts-notification-secret';

/** Default Slack Web API endpoint for `token` services. */
export const slackApiUrl = 'https://slack.com/api/chat.postMessage';

/** The service types ramp can send to. */
export const serviceTypes = ['slack', 'teams', 'teams-workflows', 'discord', 'webhook'] as const;

/** One of serviceTypes. */
export type ServiceType = (typeof serviceTypes)[number];

interface ServiceBase {
  /** The name annotations subscribe with: `service.<type>` → type, `service.<type>.<name>` → name. */
  readonly name: string;
  /** Every secret value this service was built with, so failures can be scrubbed of them. */
  readonly secrets: readonly string[];
}

/** Slack: an incoming webhook (`url`) or the Web API with a bot token (`token`, recipients = channels). */
export interface SlackService extends ServiceBase {
  readonly type: 'slack';
  readonly url?: string | undefined;
  readonly token?: string | undefined;
  readonly apiURL: string;
  readonly username?: string | undefined;
  readonly icon?: string | undefined;
  readonly channels: readonly string[];
}

/** Teams (MessageCard), Teams Workflows (Adaptive Card), Discord: webhook URLs per recipient. */
export interface CardService extends ServiceBase {
  readonly type: 'teams' | 'teams-workflows' | 'discord';
  /** Used when the subscription names no recipient. */
  readonly url?: string | undefined;
  readonly recipientUrls: Readonly<Record<string, string>>;
}

/** A generic webhook, optionally signed with HMAC-SHA256 (`secret`). */
export interface WebhookService extends ServiceBase {
  readonly type: 'webhook';
  readonly url: string;
  readonly headers: readonly { name: string; value: string }[];
  readonly basicAuth?: { username: string; password: string } | undefined;
  readonly secret?: string | undefined;
}

/** A configured service. */
export type ServiceConfig = SlackService | CardService | WebhookService;

/** The request a template asks of one webhook service. */
export interface WebhookTemplate {
  readonly method?: string | undefined;
  readonly path?: Template | undefined;
  readonly body?: Template | undefined;
}

/** A template: the message plus per-sink fields (JSON-valued ones hold JSON text). */
export interface TemplateConfig {
  readonly name: string;
  readonly message?: Template | undefined;
  /** slack: attachments, blocks — teams: title, text, summary, themeColor, facts, sections, potentialAction — discord: content, embeds. */
  readonly fields: Readonly<
    Partial<Record<'slack' | 'teams' | 'discord', Record<string, Template>>>
  >;
  readonly webhook: Readonly<Record<string, WebhookTemplate>>;
}

/** Everything the ConfigMap configures. */
export interface NotifyConfig {
  readonly services: ReadonlyMap<string, ServiceConfig>;
  readonly templates: ReadonlyMap<string, TemplateConfig>;
  /** Trigger name → template names to send. */
  readonly triggers: ReadonlyMap<string, readonly string[]>;
  /** Triggers a subscription without a trigger (`subscribe.<service>`) means. */
  readonly defaultTriggers: readonly string[];
  /** User strings templates read as `.context.<key>`. */
  readonly context: Readonly<Record<string, string>>;
}

/** The parsed configuration and what could not be parsed, one message per broken key. */
export interface ParsedConfig {
  readonly config: NotifyConfig;
  readonly errors: readonly string[];
}

/** An empty configuration (no ConfigMap). */
export const emptyConfig: NotifyConfig = {
  services: new Map(),
  templates: new Map(),
  triggers: new Map(),
  defaultTriggers: [],
  context: {},
};

/** Decodes a Secret's base64 `data`. */
export function decodeSecretData(
  data: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {}))
    out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

/** Parses the ConfigMap's data with the (decoded) Secret data for `$key` references. */
export function parseNotifyConfig(
  data: Readonly<Record<string, string>> | undefined,
  secret: Readonly<Record<string, string>>,
): ParsedConfig {
  const services = new Map<string, ServiceConfig>();
  const templates = new Map<string, TemplateConfig>();
  const triggers = new Map<string, readonly string[]>();
  const errors: string[] = [];
  let defaultTriggers: readonly string[] = [];
  let context: Record<string, string> = {};
  for (const [key, text] of Object.entries(data ?? {})) {
    try {
      if (key.startsWith('service.')) {
        const svc = parseService(key, text, secret);
        services.set(svc.name, svc);
      } else if (key.startsWith('template.')) {
        templates.set(key.slice(9), parseTemplateKey(key.slice(9), text));
      } else if (key.startsWith('trigger.')) {
        triggers.set(key.slice(8), parseTrigger(text));
      } else if (key === 'defaultTriggers') {
        defaultTriggers = stringList(parseYamlText(text), 'a list of trigger names');
      } else if (key === 'context') {
        context = stringMap(parseYamlText(text), 'a map of strings');
      }
    } catch (err) {
      errors.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { config: { services, templates, triggers, defaultTriggers, context }, errors };
}

/** Thrown for a key that cannot be used; its message names fields, never values. */
class ConfigError extends Error {}

function parseYamlText(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    // The first line says what and where; the rest quotes the source, which may be long.
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new ConfigError(`invalid YAML: ${first}`);
  }
}

// ---- services ----

function parseService(key: string, text: string, secret: Readonly<Record<string, string>>) {
  const [, type = '', ...rest] = key.split('.');
  const custom = rest.join('.');
  if (!(serviceTypes as readonly string[]).includes(type)) {
    throw new ConfigError(
      `service type "${type}" is not supported (supported: ${serviceTypes.join(', ')})`,
    );
  }
  if (type === 'webhook' && !custom)
    throw new ConfigError('a webhook needs a name: service.webhook.<name>');
  const used: string[] = [];
  const raw = resolveSecretRefs(parseYamlText(text) ?? {}, secret, used);
  const obj = record(raw, 'the service must be a YAML map');
  const base = { name: custom || type, secrets: used.filter((s) => s.length > 0) };
  const builders: Record<ServiceType, () => ServiceConfig> = {
    slack: () => slackService(base, obj),
    teams: () => cardService(base, 'teams', obj),
    'teams-workflows': () => cardService(base, 'teams-workflows', obj),
    discord: () => cardService(base, 'discord', obj),
    webhook: () => webhookService(base, obj),
  };
  return builders[type as ServiceType]();
}

const secretRef = /\$([-._a-zA-Z0-9]+)/g;

/**
 * Replaces `$key` references in every string of a parsed service with the Secret's values. A
 * reference to a key the Secret lacks is an error naming only that key.
 */
export function resolveSecretRefs(
  value: unknown,
  secret: Readonly<Record<string, string>>,
  used: string[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(secretRef, (_m, name: string) => {
      if (!Object.hasOwn(secret, name)) {
        throw new ConfigError(
          `"$${name}" refers to key "${name}", which Secret ${secretName} does not have`,
        );
      }
      const resolved = secret[name] as string;
      used.push(resolved);
      return resolved;
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveSecretRefs(v, secret, used));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveSecretRefs(v, secret, used)]),
    );
  }
  return value;
}

type Base = { name: string; secrets: string[] };

function slackService(base: Base, obj: Record<string, unknown>): SlackService {
  const url = httpUrl(obj, 'url');
  const token = optString(obj, 'token');
  if (!url && !token) throw new ConfigError('slack needs `url` (incoming webhook) or `token`');
  return {
    ...base,
    type: 'slack',
    url,
    token,
    apiURL: httpUrl(obj, 'apiURL') ?? slackApiUrl,
    username: optString(obj, 'username'),
    icon: optString(obj, 'icon'),
    channels:
      obj.channels === undefined ? [] : stringList(obj.channels, '`channels` must be a list'),
  };
}

function cardService(
  base: Base,
  type: CardService['type'],
  obj: Record<string, unknown>,
): CardService {
  const url = httpUrl(obj, 'url');
  const urls = stringMap(obj.recipientUrls ?? {}, '`recipientUrls` must be a map of URLs');
  for (const [recipient, u] of Object.entries(urls)) {
    if (!isHttpUrl(u)) throw new ConfigError(`recipientUrls.${recipient} is not an http(s) URL`);
  }
  if (!url && Object.keys(urls).length === 0) {
    throw new ConfigError(`${type} needs \`recipientUrls\` (or \`url\`)`);
  }
  return { ...base, type, url, recipientUrls: urls };
}

function webhookService(base: Base, obj: Record<string, unknown>): WebhookService {
  const url = httpUrl(obj, 'url');
  if (!url) throw new ConfigError('a webhook needs `url`');
  const headers = (obj.headers === undefined ? [] : list(obj.headers, '`headers`')).map((h, i) => {
    const hr = record(h, `headers[${i}] must be a map with name and value`);
    const name = optString(hr, 'name');
    if (!name) throw new ConfigError(`headers[${i}] needs a name`);
    return { name, value: optString(hr, 'value') ?? '' };
  });
  return {
    ...base,
    type: 'webhook',
    url,
    headers,
    basicAuth: basicAuth(obj),
    secret: optString(obj, 'secret'),
  };
}

function basicAuth(obj: Record<string, unknown>): WebhookService['basicAuth'] {
  if (obj.basicAuth === undefined) return undefined;
  const b = record(obj.basicAuth, '`basicAuth` must be a map with username and password');
  return { username: optString(b, 'username') ?? '', password: optString(b, 'password') ?? '' };
}

// ---- templates and triggers ----

const sinkFields = {
  slack: ['attachments', 'blocks'],
  teams: ['title', 'text', 'summary', 'themeColor', 'facts', 'sections', 'potentialAction'],
  discord: ['content', 'embeds'],
} as const;

function parseTemplateKey(name: string, text: string): TemplateConfig {
  const obj = record(parseYamlText(text), 'the template must be a YAML map');
  const fields: Partial<Record<keyof typeof sinkFields, Record<string, Template>>> = {};
  for (const sink of Object.keys(sinkFields) as (keyof typeof sinkFields)[]) {
    if (obj[sink] !== undefined) fields[sink] = sinkTemplates(obj[sink], sink);
  }
  const message = obj.message === undefined ? undefined : compile(obj.message, 'message');
  return { name, message, fields, webhook: webhookTemplates(obj.webhook) };
}

function sinkTemplates(value: unknown, sink: keyof typeof sinkFields): Record<string, Template> {
  const obj = record(value, `\`${sink}\` must be a map`);
  const out: Record<string, Template> = {};
  for (const field of sinkFields[sink]) {
    if (obj[field] !== undefined) out[field] = compile(obj[field], `${sink}.${field}`);
  }
  return out;
}

function webhookTemplates(value: unknown): Record<string, WebhookTemplate> {
  if (value === undefined) return {};
  const out: Record<string, WebhookTemplate> = {};
  for (const [svc, spec] of Object.entries(record(value, '`webhook` must be a map'))) {
    const s = record(spec, `webhook.${svc} must be a map`);
    const method = optString(s, 'method')?.toUpperCase();
    if (method && !['GET', 'POST', 'PUT', 'PATCH'].includes(method)) {
      throw new ConfigError(`webhook.${svc}.method must be GET, POST, PUT or PATCH`);
    }
    out[svc] = {
      method,
      path: s.path === undefined ? undefined : compile(s.path, `webhook.${svc}.path`),
      body: s.body === undefined ? undefined : compile(s.body, `webhook.${svc}.body`),
    };
  }
  return out;
}

function compile(value: unknown, field: string): Template {
  if (typeof value !== 'string') throw new ConfigError(`${field} must be a string`);
  const compiled = compileTemplate(value);
  if (!compiled.ok) throw new ConfigError(`${field}: ${compiled.error}`);
  return compiled.template;
}

/** A trigger is a list of conditions; ramp fires on the controller's events, so `send` is what counts. */
function parseTrigger(text: string): string[] {
  const parsed = parseYamlText(text);
  const conditions = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  const send: string[] = [];
  conditions.forEach((c, i) => {
    const cond = record(c, `condition ${i} must be a map with \`send\``);
    for (const t of stringList(
      cond.send ?? [],
      `condition ${i}: \`send\` must be a list of template names`,
    )) {
      if (!send.includes(t)) send.push(t);
    }
  });
  if (send.length === 0) throw new ConfigError('the trigger sends no template (`send` is empty)');
  return send;
}

// ---- small typed readers ----

function record(value: unknown, problem: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(problem);
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ConfigError(`${what} must be a list`);
  return value as unknown[];
}

function stringList(value: unknown, problem: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigError(problem);
  }
  return value;
}

function stringMap(value: unknown, problem: string): Record<string, string> {
  const obj = record(value, problem);
  if (!Object.values(obj).every((v) => typeof v === 'string')) throw new ConfigError(problem);
  return obj as Record<string, string>;
}

function optString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ConfigError(`\`${key}\` must be a string`);
  return v;
}

/** An http(s) URL field; the error never quotes it (a webhook URL is itself a credential). */
function httpUrl(obj: Record<string, unknown>, key: string): string | undefined {
  const v = optString(obj, key);
  if (v === undefined || v === '') return undefined;
  if (!isHttpUrl(v)) throw new ConfigError(`\`${key}\` is not an http(s) URL`);
  return v;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
