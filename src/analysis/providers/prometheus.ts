// The prometheus provider: one instant query at "now", through prometheus-query. The answer is
// read from the raw API body rather than the library's parsed result, because the library parses
// samples with parseFloat (which turns "+Inf" into NaN) and Argo shows the value exactly as
// Prometheus formatted it ("0.97", "[0.97,0.95]").
import { Agent } from 'node:https';

import { PrometheusDriver } from 'prometheus-query';

import type { Metric } from '../../api/analysis.js';
import type { MeasureOutcome, MeasureRequest, MetricProvider } from '../provider.js';
import { oneLine, shownUrl } from './text.js';

/** Seconds a query may take when the metric sets no `timeout` (Argo's default). */
const defaultTimeoutSeconds = 30;

/** Options of the prometheus provider. */
export interface PrometheusProviderOptions {
  /** Used when a metric names no `address` (e.g. RAMP_PROMETHEUS_URL). */
  readonly defaultAddress?: string | undefined;
}

type PrometheusSpec = NonNullable<Metric['provider']['prometheus']>;

/** What prometheus-query throws: plain objects, not Errors. */
interface DriverFailure {
  readonly errorType?: string;
  readonly error?: string;
  readonly code?: string;
  readonly httpStatus?: number;
}

/** Creates the provider that answers `provider.prometheus` metrics. */
export function createPrometheusProvider(opts: PrometheusProviderOptions = {}): MetricProvider {
  return { type: 'prometheus', measure: (req) => measure(req, opts) };
}

async function measure(
  req: MeasureRequest,
  opts: PrometheusProviderOptions,
): Promise<MeasureOutcome> {
  const spec = req.metric.provider.prometheus;
  if (!spec) return failure('metric has no prometheus provider');
  const address = spec.address || opts.defaultAddress;
  if (!address)
    return failure('metric names no Prometheus address and no default address is configured');
  const at = shownUrl(address);
  if (!at) return failure('the Prometheus address is not an http(s) URL');
  if (spec.authentication && Object.keys(spec.authentication).length > 0)
    return failure('Prometheus authentication (sigv4, oauth2) is not supported by ramp');
  const timeoutSeconds = spec.timeout && spec.timeout > 0 ? spec.timeout : defaultTimeoutSeconds;
  try {
    return fromBody(await query(address, spec, timeoutSeconds), at);
  } catch (err) {
    return failure(describeFailure(err, at, timeoutSeconds));
  }
}

let insecureAgent: Agent | undefined;

/** Runs the instant query and returns the raw JSON body Prometheus answered with. */
async function query(
  address: string,
  spec: PrometheusSpec,
  timeoutSeconds: number,
): Promise<unknown> {
  let body: unknown;
  const timeoutMs = timeoutSeconds * 1000;
  const driver = new PrometheusDriver({
    endpoint: address,
    headers: Object.fromEntries((spec.headers ?? []).map((h) => [h.key, h.value])),
    timeout: timeoutMs,
    requestInterceptor: {
      onFulfilled: (config) => {
        // axios' own timeout only watches for idle sockets; the signal bounds the whole request.
        config.signal = AbortSignal.timeout(timeoutMs);
        if (spec.insecure)
          config.httpsAgent = insecureAgent ??= new Agent({ rejectUnauthorized: false });
        return config;
      },
    },
    responseInterceptor: {
      onFulfilled: (res) => {
        body = res.data;
        return res;
      },
    },
  });
  try {
    await driver.instantQuery(spec.query, new Date());
  } catch (err) {
    // A 2xx answer the library cannot read reaches here as a "network error"; the body tells.
    if (body === undefined) throw err;
  }
  return body;
}

interface QueryData {
  readonly resultType?: unknown;
  readonly result?: unknown;
}

function fromBody(body: unknown, at: string): MeasureOutcome {
  const answer =
    typeof body === 'object' && body !== null
      ? (body as { status?: unknown; data?: QueryData })
      : {};
  if (answer.status !== 'success')
    return failure(`Prometheus at ${at} gave an answer that is not the Prometheus API's JSON`);
  const data = answer.data;
  if (data?.resultType === 'scalar') return fromScalar(data.result, at);
  if (data?.resultType === 'vector') return fromVector(data.result, at);
  return failure(
    `Prometheus at ${at} returned a ${String(data?.resultType)} result; a query must return a scalar or a vector`,
  );
}

function fromScalar(result: unknown, at: string): MeasureOutcome {
  const text = sampleText(result);
  if (text === undefined) return failure(`Prometheus at ${at} returned a malformed scalar`);
  return { kind: 'value', value: sampleNumber(text), display: text };
}

function fromVector(result: unknown, at: string): MeasureOutcome {
  const texts = Array.isArray(result)
    ? result.map((item) => sampleText((item as { value?: unknown } | null)?.value))
    : [undefined];
  if (texts.some((t) => t === undefined))
    return failure(`Prometheus at ${at} returned a malformed vector`);
  const strings = texts as string[];
  return {
    kind: 'value',
    value: strings.map(sampleNumber),
    display: `[${strings.join(',')}]`,
    ...(strings.length === 0 ? { empty: true } : {}),
  };
}

/** The value of a `[time, "value"]` pair, as Prometheus wrote it. */
function sampleText(pair: unknown): string | undefined {
  return Array.isArray(pair) && typeof pair[1] === 'string' ? pair[1] : undefined;
}

/** Prometheus spells infinities "+Inf"/"-Inf", which Number() does not read. */
function sampleNumber(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

const timeoutCodes = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED']);

function describeFailure(err: unknown, at: string, timeoutSeconds: number): string {
  const f: DriverFailure = typeof err === 'object' && err !== null ? err : {};
  if (f.code && timeoutCodes.has(f.code))
    return `Prometheus at ${at}: no answer within ${timeoutSeconds}s`;
  return `Prometheus at ${at}${failureDetail(f, err)}`;
}

function failureDetail(f: DriverFailure, err: unknown): string {
  switch (f.errorType) {
    case 'http_error':
      return ` answered HTTP ${f.httpStatus ?? '?'}: ${oneLine(f.error ?? '')}`;
    case 'network_error':
    case 'ssl_error':
      // Node 20 reports a refused dual-stack connect as an AggregateError with an empty message.
      return ` unreachable: ${oneLine(f.error || f.code || 'network error')}`;
    case 'client_error':
      return " gave an answer that is not the Prometheus API's JSON";
    default:
      return `: ${oneLine(err instanceof Error ? err.message : String(f.error))}`;
  }
}

function failure(message: string): MeasureOutcome {
  return { kind: 'error', message };
}
