import { isAbsolute, join, resolve } from 'node:path';

/** Log levels ramp accepts (pino's names). */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of pino's level names. */
export type LogLevel = (typeof logLevels)[number];

/** How log lines are written: JSON for machines, pretty for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** ramp's whole configuration, parsed once at start-up and passed down; never read from env later. */
export interface RampConfig {
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Colour in human output: off when NO_COLOR is set or stderr is not a terminal. */
  readonly color: boolean;
  /** Built binaries and extracted packages, keyed by content; safe to share between runs. */
  readonly cacheDir: string;
  /** Run directory of the local control plane (PKI, data, logs, pids). */
  readonly localDir: string;
  /** The Go toolchain used to build the local control plane. */
  readonly goBinary: string;
  /** The Go tool modules (go.mod + go.sum) that pin the control plane's versions. */
  readonly toolsDir: string;
  /** Prometheus for metrics that name no address (RAMP_PROMETHEUS_URL; `ramp local env` sets it). */
  readonly prometheusUrl: string | undefined;
}

/** Facts about the process that the config depends on, passed in so parsing stays pure. */
export interface ConfigContext {
  readonly packageRoot: string;
  readonly homeDir: string;
  readonly cwd: string;
  readonly stderrIsTTY: boolean;
}

/** Raised for a setting that cannot be used; the message names the variable and the value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses ramp's settings from environment variables into a frozen, typed config. */
export function parseConfig(env: Env, ctx: ConfigContext): RampConfig {
  const path = (value: string): string => (isAbsolute(value) ? value : resolve(ctx.cwd, value));
  const cacheHome = nonEmpty(env.XDG_CACHE_HOME) ?? join(ctx.homeDir, '.cache');
  const stateHome = nonEmpty(env.XDG_STATE_HOME) ?? join(ctx.homeDir, '.local', 'state');
  return Object.freeze({
    logLevel: parseLogLevel(env.RAMP_LOG_LEVEL),
    logFormat: parseLogFormat(env.RAMP_LOG_FORMAT, ctx.stderrIsTTY),
    color: ctx.stderrIsTTY && env.NO_COLOR === undefined,
    cacheDir: path(nonEmpty(env.RAMP_CACHE_DIR) ?? join(cacheHome, 'ramp')),
    localDir: path(nonEmpty(env.RAMP_LOCAL_DIR) ?? join(stateHome, 'ramp', 'local')),
    goBinary: nonEmpty(env.RAMP_GO) ?? 'go',
    toolsDir: path(nonEmpty(env.RAMP_TOOLS_DIR) ?? join(ctx.packageRoot, 'tools')),
    prometheusUrl: parseUrl('RAMP_PROMETHEUS_URL', env.RAMP_PROMETHEUS_URL),
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseLogLevel(value: string | undefined): LogLevel {
  const level = nonEmpty(value)?.toLowerCase() ?? 'info';
  if ((logLevels as readonly string[]).includes(level)) return level as LogLevel;
  throw new ConfigError(`RAMP_LOG_LEVEL=${value}: expected one of ${logLevels.join(', ')}`);
}

function parseLogFormat(value: string | undefined, isTTY: boolean): LogFormat {
  const format = nonEmpty(value)?.toLowerCase() ?? 'auto';
  if (format === 'auto') return isTTY ? 'pretty' : 'json';
  if (format === 'json' || format === 'pretty') return format;
  throw new ConfigError(`RAMP_LOG_FORMAT=${value}: expected auto, json or pretty`);
}

function parseUrl(name: string, value: string | undefined): string | undefined {
  const text = nonEmpty(value);
  if (text === undefined) return undefined;
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol))
    throw new ConfigError(`${name}=${text}: expected an http(s) URL`);
  return text;
}
