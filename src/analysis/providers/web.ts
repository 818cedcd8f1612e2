// The web provider: one HTTP request with Node's global fetch; the JSON answer (or the part of it
// `jsonPath` selects) is the measurement. `insecure` (skip TLS verification) is not honoured:
// global fetch offers no per-request way to turn verification off, and failing closed is safer.
import type { Metric } from '../../api/analysis.js';
import { evaluateJsonPath } from '../json-path.js';
import type { MeasureOutcome, MeasureRequest, MetricProvider } from '../provider.js';
import { oneLine, reason, shownUrl } from './text.js';

/** Seconds a request may take when the metric sets no `timeoutSeconds` (Argo's default). */
const defaultTimeoutSeconds = 10;

/** The most of a response body read; a metric endpoint answering more is misconfigured. */
const maxBodyBytes = 1024 * 1024;

type WebSpec = NonNullable<Metric['provider']['web']>;

/** Creates the provider that answers `provider.web` metrics. */
export function createWebProvider(): MetricProvider {
  return { type: 'web', measure };
}

async function measure(req: MeasureRequest): Promise<MeasureOutcome> {
  const spec = req.metric.provider.web;
  if (!spec) return failure('metric has no web provider');
  const method = spec.method ?? 'GET';
  const at = shownUrl(spec.url);
  if (!at) return failure('the web metric url is not an http(s) URL');
  const what = `${method} ${at}`;
  const init = requestInit(spec, method);
  if (typeof init === 'string') return failure(`${what}: ${init}`);
  const timeoutSeconds =
    spec.timeoutSeconds && spec.timeoutSeconds > 0 ? spec.timeoutSeconds : defaultTimeoutSeconds;
  try {
    return await send(spec, init, what, timeoutSeconds);
  } catch (err) {
    return failure(describeFailure(err, what, timeoutSeconds, spec.insecure));
  }
}

async function send(
  spec: WebSpec,
  init: RequestInit,
  what: string,
  timeoutSeconds: number,
): Promise<MeasureOutcome> {
  const signal = AbortSignal.timeout(timeoutSeconds * 1000);
  const res = await fetch(spec.url, { ...init, signal });
  if (res.status < 200 || res.status >= 300) {
    await res.body?.cancel();
    return failure(`${what} answered HTTP ${res.status}`);
  }
  const text = await readCapped(res);
  if (text === undefined) return failure(`${what}: response larger than ${maxBodyBytes} bytes`);
  return fromBody(text, spec.jsonPath, what);
}

/** The request to send, or why it cannot be sent (Argo rejects the same combinations). */
function requestInit(spec: WebSpec, method: string): RequestInit | string {
  const headers = toHeaders(spec.headers ?? []);
  if (typeof headers === 'string') return headers;
  const refused = bodyProblem(spec, method);
  if (refused) return refused;
  if (spec.jsonBody === undefined) return { method, headers, body: spec.body ?? null };
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return { method, headers, body: JSON.stringify(spec.jsonBody) };
}

function bodyProblem(spec: WebSpec, method: string): string | undefined {
  if (spec.body !== undefined && spec.jsonBody !== undefined)
    return 'set either body or jsonBody, not both';
  const hasBody = spec.body !== undefined || spec.jsonBody !== undefined;
  return hasBody && method === 'GET' ? 'a GET request cannot carry a body' : undefined;
}

/** The headers to send; an invalid one is named by key only, since its value may be a secret. */
function toHeaders(list: readonly { key: string; value: string }[]): Headers | string {
  const headers = new Headers();
  for (const h of list) {
    try {
      headers.append(h.key, h.value);
    } catch {
      return `header ${JSON.stringify(h.key)} has an invalid name or value`;
    }
  }
  return headers;
}

/** The body as text, or undefined once it exceeds the cap (the rest is not downloaded). */
async function readCapped(res: Response): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBodyBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function fromBody(text: string, jsonPath: string | undefined, what: string): MeasureOutcome {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return failure(`${what}: the response is not JSON`);
  }
  if (!jsonPath) return { kind: 'value', value: data, display: JSON.stringify(data) };
  const found = evaluateJsonPath(data, jsonPath);
  if (!found.ok) return failure(`${what}: ${oneLine(found.error)}`);
  return { kind: 'value', value: found.value, display: JSON.stringify(found.value) ?? 'null' };
}

function describeFailure(
  err: unknown,
  what: string,
  timeoutSeconds: number,
  insecure: boolean | undefined,
): string {
  if (err instanceof Error && err.name === 'TimeoutError')
    return `${what}: no answer within ${timeoutSeconds}s`;
  const hint = insecure ? ' (insecure: true is not supported; TLS is always verified)' : '';
  return `${what} failed: ${oneLine(reason(err))}${hint}`;
}

function failure(message: string): MeasureOutcome {
  return { kind: 'error', message };
}
