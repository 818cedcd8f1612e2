import { createServer, type Server } from 'node:net';

import { LocalError } from './errors.js';

/** The only address the local control plane listens on. */
export const loopback = '127.0.0.1';

/** Asks the kernel for a currently free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/** Asks for several free ports at once, holding each until all are known so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, loopback, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Fails with a message naming the port and its purpose when something else already listens there. */
export async function ensurePortFree(port: number, purpose: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'is already in use by another process'
          : `cannot be used (${err.message})`;
      reject(
        new LocalError(
          `${purpose}: port ${loopback}:${port} ${why}; choose another port or leave it out to get a free one`,
        ),
      );
    });
    server.listen(port, loopback, () => server.close(() => resolve()));
  });
}
