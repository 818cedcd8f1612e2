// Reads a request body up to a limit. Hand-rolled rather than raw-body (not a dependency of ramp):
// the receiver needs only the bytes, the limit, and to stop reading the moment the limit is passed.
import type { IncomingMessage } from 'node:http';

/** The body, or why there is none. */
export type BodyResult =
  { kind: 'body'; body: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

/** True when the declared Content-Length alone exceeds the limit (no need to read anything). */
export function declaredTooLarge(req: IncomingMessage, limit: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

/** Collects the body; past `limit` bytes it stops listening and pauses the stream. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.pause();
      resolve({ kind: 'too-large' });
    };
    req.on('data', onData);
    req.once('end', () => resolve({ kind: 'body', body: Buffer.concat(chunks) }));
    // A client that goes away mid-body: nothing to answer (resolve is a no-op after 'end').
    req.once('close', () => resolve({ kind: 'aborted' }));
    req.once('error', () => resolve({ kind: 'aborted' }));
  });
}
