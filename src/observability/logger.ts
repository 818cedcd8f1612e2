import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

import type { LogFormat, LogLevel } from '../config.js';

/** The logger type used across ramp. */
export type { Logger } from 'pino';

/** Paths pino blanks out wherever they appear, so credentials never reach a log line. */
const redactPaths = [
  'password',
  'token',
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.password',
  '*.token',
  '*.secret',
];

/** Creates the process logger: JSON lines for machines, colourised lines on a terminal. */
export function createLogger(opts: {
  level: LogLevel;
  format: LogFormat;
  color: boolean;
  name?: string;
}): Logger {
  const base = {
    level: opts.level,
    name: opts.name ?? 'ramp',
    redact: { paths: redactPaths, censor: '[redacted]' },
  };
  if (opts.format === 'json') return pino(base, pino.destination({ fd: 2, sync: true }));
  // A synchronous pretty stream (not a worker transport) so lines are never lost on exit.
  const stream = pretty({
    destination: 2,
    sync: true,
    colorize: opts.color,
    ignore: 'pid,hostname,name',
    translateTime: 'HH:MM:ss',
  });
  return pino(base, stream);
}
