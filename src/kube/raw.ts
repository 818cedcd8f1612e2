// Raw JSON requests to the API server with the kubeconfig's credentials. The typed client
// re-serialises built-in kinds through its models, which silently drops wire-only keys such as
// `x-kubernetes-int-or-string` in a CRD schema; server-side apply and dry runs need the object
// sent exactly as written.
import { Agent, request, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';

import type { KubeConfig } from '@kubernetes/client-node';

/** How long one request may take before it is abandoned. */
const requestTimeoutMs = 30_000;

/** A failed request: the HTTP status and the API server's Status message. */
export class KubeRequestError extends Error {
  override readonly name = 'KubeRequestError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** Options of one raw request. */
export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. /apis/apps/v1/namespaces/x/deployments/y?fieldManager=ramp. */
  readonly path: string;
  readonly body?: unknown;
  /** Content type of the body (patch flavours); JSON by default. */
  readonly contentType?: string;
  /** Act as this user (and groups) through the API server's impersonation headers. */
  readonly impersonate?: Impersonation | undefined;
}

/** A user (such as a ServiceAccount's `system:serviceaccount:<ns>:<name>`) to act as. */
export interface Impersonation {
  readonly user: string;
  readonly groups?: readonly string[] | undefined;
}

/** The Impersonate-* headers of a request (none when acting as the kubeconfig's own user). */
function impersonationHeaders(who: Impersonation | undefined): Record<string, string | string[]> {
  if (!who) return {};
  const groups = who.groups ?? [];
  // Node sends an array value as one header line per element, which is how the API server
  // expects several groups.
  return {
    'Impersonate-User': who.user,
    ...(groups.length > 0 ? { 'Impersonate-Group': [...groups] } : {}),
  };
}

/** Sends one request and parses the JSON answer; non-2xx becomes a KubeRequestError. */
export async function rawRequest<T = unknown>(kc: KubeConfig, req: RawRequest): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server + req.path);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const options: RequestOptions = {
    method: req.method,
    headers: {
      Accept: 'application/json',
      ...impersonationHeaders(req.impersonate),
      ...(payload
        ? {
            'Content-Type': req.contentType ?? 'application/json',
            'Content-Length': Buffer.byteLength(payload),
          }
        : {}),
    },
  };
  await kc.applyToHTTPSOptions(options);
  // client-node builds a fresh Agent (a new TLS handshake) per call; reuse one keep-alive agent
  // per kubeconfig instead. Credentials in headers are still refreshed on every call.
  options.agent = agentFor(kc, options);
  const { status, text } = await send(url, options, payload);
  const parsed = parseBody(text, status);
  if (status < 200 || status >= 300) {
    const message = (parsed as { message?: string } | undefined)?.message ?? `HTTP ${status}`;
    throw new KubeRequestError(status, message, parsed);
  }
  return parsed as T;
}

const agents = new WeakMap<KubeConfig, Agent>();

function agentFor(kc: KubeConfig, options: RequestOptions): Agent {
  let agent = agents.get(kc);
  if (!agent) {
    const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = options;
    agent = new Agent({
      keepAlive: true,
      maxSockets: 32,
      ca,
      cert,
      key,
      pfx,
      passphrase,
      rejectUnauthorized,
      servername,
    });
    agents.set(kc, agent);
  }
  return agent;
}

function send(
  url: URL,
  options: RequestOptions,
  payload: string | undefined,
): Promise<{ status: number; text: string }> {
  const transport = url.protocol === 'http:' ? httpRequest : request;
  return new Promise((resolve, reject) => {
    const r = transport(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    r.on('error', reject);
    // A request that hangs would hold its Rollout's key forever; fail it instead.
    r.setTimeout(requestTimeoutMs, () =>
      r.destroy(
        new Error(`${options.method} ${url.pathname}: no answer after ${requestTimeoutMs / 1000}s`),
      ),
    );
    r.end(payload);
  });
}

/** Kinds ramp addresses by path, with the facts needed to build that path. */
export interface ResourceRef {
  readonly apiVersion: string;
  /** Lower-case plural resource name, e.g. "deployments". */
  readonly plural: string;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
}

/** The URL path of a resource or collection. */
export function resourcePath(ref: ResourceRef): string {
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : '';
  return `${base}${ns}/${ref.plural}${name}`;
}

/**
 * The JSON answer; an error answered in plain text (the API server's "404 page not found" for a
 * group-version it does not serve) becomes its text, so the caller still gets a KubeRequestError.
 */
function parseBody(text: string, status: number): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    if (status >= 200 && status < 300) throw err;
    return { message: text.trim() || `HTTP ${status}` };
  }
}
