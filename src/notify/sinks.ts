// The message each chat service receives, built from the same content (title, text, severity,
// facts) so every sink shows the whole payload in its own format. Template fields override the
// defaults; a field that does not render to valid JSON is reported and the default is kept, so a
// broken template still delivers the alert.
import type { Fact, Severity } from './payload.js';
import { renderTemplate, type Template } from './template.js';

/** What a notification says, before any sink formats it. */
export interface Content {
  readonly title: string;
  readonly text: string;
  readonly severity: Severity;
  readonly facts: readonly Fact[];
}

/** The content plus the template fields for this sink and the data they render from. */
export interface SinkInput {
  readonly content: Content;
  readonly overrides?: Readonly<Record<string, Template>> | undefined;
  readonly data: unknown;
}

/** A built message and the template problems met on the way (logged, never fatal). */
export interface Built {
  readonly body: Record<string, unknown>;
  readonly problems: readonly string[];
}

const colors: Record<Severity, string> = {
  failure: '#E01E5A',
  warning: '#ECB22E',
  success: '#2EB67D',
  info: '#439FE0',
};

/** The hex colour of a severity, as Slack and Teams take it. */
export function severityColor(severity: Severity): string {
  return colors[severity];
}

/** Renders template fields on demand, collecting problems instead of throwing. */
class Overrides {
  readonly problems: string[] = [];
  constructor(private readonly input: SinkInput) {}

  text(field: string): string | undefined {
    const t = this.input.overrides?.[field];
    return t ? renderTemplate(t, this.input.data) : undefined;
  }

  json(field: string): unknown {
    const t = this.input.overrides?.[field];
    if (!t) return undefined;
    const rendered = renderTemplate(t, this.input.data, 'json');
    try {
      return JSON.parse(rendered) as unknown;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.problems.push(`${field} is not valid JSON after rendering (${why}); using the default`);
      return undefined;
    }
  }
}

// ---- Slack ----

/** Slack-only options: the Web API's channel and the bot's display overrides. */
export interface SlackExtra {
  readonly channel?: string | undefined;
  readonly username?: string | undefined;
  readonly icon?: string | undefined;
}

/** A Slack message (incoming webhook or chat.postMessage): text, blocks and a coloured attachment of facts. */
export function slackMessage(input: SinkInput, extra: SlackExtra = {}): Built {
  const o = new Overrides(input);
  const c = input.content;
  const body: Record<string, unknown> = {
    text: c.text,
    blocks: o.json('blocks') ?? [
      { type: 'header', text: { type: 'plain_text', text: cut(c.title, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: cut(slackEscape(c.text), 3000) } },
    ],
    attachments: o.json('attachments') ?? [
      { color: colors[c.severity], blocks: slackFieldSections(c.facts) },
    ],
  };
  if (extra.channel) body.channel = extra.channel;
  if (extra.username) body.username = extra.username;
  if (extra.icon) body[extra.icon.startsWith(':') ? 'icon_emoji' : 'icon_url'] = extra.icon;
  return { body, problems: o.problems };
}

/** Slack allows 10 fields per section block. */
function slackFieldSections(facts: readonly Fact[]): unknown[] {
  const sections: unknown[] = [];
  for (let i = 0; i < facts.length; i += 10) {
    sections.push({
      type: 'section',
      fields: facts.slice(i, i + 10).map((f) => ({
        type: 'mrkdwn',
        text: cut(`*${f.name}*\n${slackEscape(f.value)}`, 2000),
      })),
    });
  }
  return sections;
}

/** Slack's mrkdwn treats &, < and > as markup. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// ---- Microsoft Teams ----

/** A Teams connector MessageCard: title, text, theme colour and one section of facts. */
export function teamsMessageCard(input: SinkInput): Built {
  const o = new Overrides(input);
  const c = input.content;
  const facts = o.json('facts') ?? c.facts.map((f) => ({ name: f.name, value: f.value }));
  const body: Record<string, unknown> = {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    themeColor: (o.text('themeColor') ?? colors[c.severity]).replace(/^#/, ''),
    summary: o.text('summary') ?? c.title,
    title: o.text('title') ?? c.title,
    text: o.text('text') ?? c.text,
    sections: o.json('sections') ?? [{ facts }],
  };
  const actions = o.json('potentialAction');
  if (actions !== undefined) body.potentialAction = actions;
  return { body, problems: o.problems };
}

const adaptiveColors: Record<Severity, string> = {
  failure: 'Attention',
  warning: 'Warning',
  success: 'Good',
  info: 'Default',
};

/** A Teams Workflows message: one Adaptive Card with the title, text and a FactSet. */
export function teamsAdaptiveCard(input: SinkInput): Built {
  const o = new Overrides(input);
  const c = input.content;
  const facts = asFacts(o.json('facts')) ?? c.facts;
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      {
        type: 'TextBlock',
        text: o.text('title') ?? c.title,
        weight: 'Bolder',
        size: 'Medium',
        color: adaptiveColors[c.severity],
        wrap: true,
      },
      { type: 'TextBlock', text: o.text('text') ?? c.text, wrap: true },
      { type: 'FactSet', facts: facts.map((f) => ({ title: f.name, value: f.value })) },
    ],
  };
  const body = {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
  return { body, problems: o.problems };
}

function asFacts(value: unknown): Fact[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((f: { name?: unknown; value?: unknown }) => ({
    name: scalar(f.name),
    value: scalar(f.value),
  }));
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v ?? '');
}

// ---- Discord ----

/** A Discord webhook message: content plus one embed with the facts as fields (Discord's limits applied). */
export function discordMessage(input: SinkInput): Built {
  const o = new Overrides(input);
  const c = input.content;
  const embed = {
    title: cut(c.title, 256),
    description: cut(c.text, 4096),
    color: Number.parseInt(colors[c.severity].slice(1), 16),
    fields: c.facts
      .slice(0, 25)
      .map((f) => ({ name: cut(f.name, 256), value: cut(f.value, 1024), inline: true })),
  };
  const body = {
    content: cut(o.text('content') ?? c.text, 2000),
    embeds: o.json('embeds') ?? [embed],
  };
  return { body, problems: o.problems };
}

/** Cuts text to a service's length limit, marking the cut. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
