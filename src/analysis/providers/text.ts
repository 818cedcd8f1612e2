// Message helpers shared by the providers. Measurement messages end up in AnalysisRun status and
// Events, which anyone who can read the namespace sees: they must be short, one line, and never
// carry credentials (header values, passwords in URLs, tokens in query strings).

const maxMessageLength = 300;

/** Collapses whitespace to one line and caps the length, so a status message stays readable. */
export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxMessageLength ? `${flat.slice(0, maxMessageLength - 1)}…` : flat;
}

/**
 * A URL as messages may show it: scheme, host and path only. User info and the query string are
 * dropped because templates put API keys there. Undefined when it is not an http(s) URL.
 */
export function shownUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return `${parsed.origin}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return undefined;
  }
}

/** The most telling text of a thrown value: a Node error's cause, its code, or its message. */
export function reason(err: unknown): string {
  if (!(err instanceof Error)) return typeof err === 'string' ? err : 'unknown error';
  const cause = err.cause;
  if (cause instanceof Error) return reason(cause);
  const code = (err as NodeJS.ErrnoException).code;
  return err.message || code || err.name;
}
