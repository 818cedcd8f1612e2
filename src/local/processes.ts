import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

import { LocalError, throwIfInterrupted } from './errors.js';

/** What is remembered about a started daemon so it can be found and stopped by pid later. */
export interface DaemonRecord {
  readonly name: string;
  readonly pid: number;
  /** Kernel start time of the pid (clock ticks since boot): tells our process from a reused pid. */
  readonly startTicks: string;
  readonly logFile: string;
}

/** How to start one daemon. */
export interface DaemonSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Starts a long-running process in its own process group with output appended to its log file,
 * detached from ours so it outlives `ramp local up`.
 */
export async function startDaemon(spec: DaemonSpec): Promise<DaemonRecord> {
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: spec.env ?? process.env,
      cwd: spec.cwd,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) =>
        reject(new LocalError(`cannot start ${spec.name} (${spec.command}): ${err.message}`)),
      );
    });
    child.unref();
    const pid = child.pid as number;
    return {
      name: spec.name,
      pid,
      startTicks: (await readStartTicks(pid)) ?? '',
      logFile: spec.logFile,
    };
  } finally {
    closeSync(fd);
  }
}

/** Field 22 of /proc/PID/stat (start time), or undefined when the pid is gone or a zombie. */
async function readStartTicks(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** True while the recorded process (same pid *and* same start time) is alive. */
export async function isRunning(daemon: DaemonRecord): Promise<boolean> {
  const ticks = await readStartTicks(daemon.pid);
  return ticks !== undefined && ticks === daemon.startTicks;
}

/**
 * Stops daemons by pid, newest first and one at a time (the API server drains for up to a minute
 * while its clients are still connected, so they go first): SIGTERM to the process group, SIGKILL
 * after the grace period. A pid that now belongs to another process is left alone.
 */
export async function stopDaemons(
  daemons: readonly DaemonRecord[],
  graceMs = 15_000,
): Promise<void> {
  for (const daemon of [...daemons].reverse()) {
    if (!(await isRunning(daemon))) continue;
    signalGroup(daemon.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while ((await isRunning(daemon)) && Date.now() < deadline) await delay(25);
    if (await isRunning(daemon)) signalGroup(daemon.pid, 'SIGKILL');
    while (await isRunning(daemon)) await delay(25);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group may already be gone; the pid itself is what we started.
    try {
      process.kill(pid, signal);
    } catch {
      // already exited
    }
  }
}

/** The last lines of a daemon's log, to quote when it fails. */
export async function logTail(logFile: string, lines = 15): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

/** Options for waiting on a daemon to become ready. */
export interface WaitOptions {
  readonly what: string;
  readonly timeoutMs: number;
  /** If this daemon exits while waiting, fail at once with its log instead of timing out. */
  readonly daemon?: DaemonRecord;
  readonly intervalMs?: number;
  /** Aborted when the person interrupts (Ctrl-C): stop waiting at once. */
  readonly signal?: AbortSignal | undefined;
}

/** Polls `check` until it returns true; fails early with the daemon's log if the daemon dies. */
export async function waitUntil(check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    throwIfInterrupted(opts.signal);
    if (await check().catch(() => false)) return;
    if (opts.daemon && !(await isRunning(opts.daemon))) {
      throw await daemonExited(opts.daemon, opts.what);
    }
    if (Date.now() > deadline) {
      const log = opts.daemon
        ? `\n--- ${opts.daemon.logFile} (last lines) ---\n${await logTail(opts.daemon.logFile)}`
        : '';
      throw new LocalError(
        `timed out after ${opts.timeoutMs / 1000}s waiting for ${opts.what}${log}`,
      );
    }
    await delay(opts.intervalMs ?? 200);
  }
}

async function daemonExited(daemon: DaemonRecord, what: string): Promise<LocalError> {
  const tail = await logTail(daemon.logFile);
  const cause = /address already in use/i.test(tail)
    ? `: its port is already in use by another process`
    : '';
  return new LocalError(
    `${daemon.name} exited while waiting for ${what}${cause}\n--- ${daemon.logFile} (last lines) ---\n${tail}`,
  );
}
