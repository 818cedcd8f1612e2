// Runs the real `ramp controller` binary for one test namespace, and stops (or kills) it.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, inject } from 'vitest';

import { installRampCrds } from './crds.js';
import type { TestNamespace } from './namespace.js';

import { rampBin } from './ramp-cli.js';

/** A running controller process. */
export interface ControllerProcess {
  readonly pid: number;
  /** Everything it logged so far. */
  logs(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL (no clean-up in the process) and wait for exit. */
  kill(): Promise<void>;
}

/** Starts `ramp controller --namespace NS` against the test cluster. */
export function startController(namespace: string, extraArgs: string[] = []): ControllerProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      rampBin,
      'controller',
      '--kubeconfig',
      inject('kubeconfig'),
      '--namespace',
      namespace,
      // Short leases: a test that kills a controller must not wait 15 s for its successor.
      '--leader-election-lease-duration',
      '2s',
      // Many controllers run at once: each takes a free port, on loopback only.
      '--metrics-port',
      '0',
      '--metrics-host',
      '127.0.0.1',
      '--webhook-port',
      '0',
      '--webhook-host',
      '127.0.0.1',
      '--kubectl',
      inject('kubectl'),
      ...extraArgs,
    ],
    {
      env: { ...process.env, RAMP_LOG_FORMAT: 'json', RAMP_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  // Also kept in a file, so a failing or killed test run leaves the controller's side of the story.
  const logFile = join(tmpdir(), `ramp-controller-${namespace}.log`);
  const append = (c: Buffer): void => {
    output += c.toString();
    appendFileSync(logFile, c);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    pid: child.pid ?? 0,
    logs: () => output,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}

/** A controller started for a test file, reachable after its beforeAll has run. */
export interface UsedController {
  readonly process: ControllerProcess;
}

/**
 * Registers hooks that install ramp's CRDs and start `ramp controller` for the file's namespace
 * before its tests, and stop it after them.
 */
export function useController(ns: TestNamespace, extraArgs: string[] = []): UsedController {
  let current: ControllerProcess | undefined;
  beforeAll(async () => {
    await installRampCrds(ns.kc);
    current = startController(ns.name, extraArgs);
  });
  afterAll(async () => {
    await current?.stop();
  });
  return {
    get process(): ControllerProcess {
      if (!current) throw new Error('the controller starts in beforeAll');
      return current;
    },
  };
}
