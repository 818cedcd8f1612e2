// The controller's HTTP endpoint for Prometheus and the kubelet: /metrics, /healthz (liveness:
// the process answers) and /readyz (readiness: the informer caches have synced).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import type { ControllerMetrics } from './metrics.js';

/** Argo Rollouts' metrics port, so existing ServiceMonitors and NetworkPolicies keep matching. */
export const defaultMetricsPort = 8090;

/** Options of startMetricsServer. */
export interface MetricsServerOptions {
  /** Interface to bind; absent means every interface (Prometheus scrapes from another pod). */
  readonly host?: string | undefined;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly metrics: ControllerMetrics;
  /** True once the caches have synced; a throw counts as not ready. */
  readonly ready: () => boolean;
}

/** A listening metrics server. */
export interface MetricsServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops listening and drops kept-alive scrape connections. */
  close(): Promise<void>;
}

/** /metrics, /healthz (process alive), /readyz (caches synced: a callback) on host:port; resolves once listening; close() stops it. */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      const where = `${opts.host ?? '*'}:${opts.port}`;
      reject(new Error(`metrics server cannot listen on ${where}: ${err.code ?? err.message}`));
    };
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  opts: MetricsServerOptions,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/metrics') {
    const body = await opts.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': opts.metrics.registry.contentType });
    res.end(req.method === 'HEAD' ? undefined : body);
  } else if (path === '/healthz') {
    text(res, 200, 'ok');
  } else if (path === '/readyz') {
    if (isReady(opts.ready)) text(res, 200, 'ok');
    else text(res, 503, 'caches not synced');
  } else {
    text(res, 404, 'not found');
  }
}

function isReady(ready: () => boolean): boolean {
  try {
    return ready();
  } catch {
    return false;
  }
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${body}\n`);
}
