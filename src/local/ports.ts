import { createServer } from 'node:net';

import { LocalError } from './errors.js';

/** The only address the local control plane listens on. */
export const loopback = '127.0.0.1';

/** Asks the kernel for a currently free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, loopback, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
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
