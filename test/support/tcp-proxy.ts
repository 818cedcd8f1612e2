// A loopback TCP proxy that can freeze its open connections without closing them: the network
// fault (a half-open connection) under which a watch stalls silently. Traffic goes to the real
// API server; nothing is faked.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** Stops moving bytes on every connection open now; new connections work normally. */
  freeze(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding to host:port. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const pairs: [Socket, Socket][] = [];
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host, port });
    client.pipe(upstream);
    upstream.pipe(client);
    const onError = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', onError);
    upstream.on('error', onError);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    freeze: () => {
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        // Keep them open (half-dead) until the proxy closes.
        frozen.push(client, upstream);
      }
    },
    close: async () => {
      for (const socket of [...frozen, ...pairs.flat()]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const frozen: Socket[] = [];
