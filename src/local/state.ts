import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { LocalError } from './errors.js';
import type { DaemonRecord } from './processes.js';

/** What `ramp local up` records in the run directory: enough for `down` to stop exactly its processes. */
export interface ClusterState {
  readonly format: 1;
  readonly startedAt: string;
  readonly kubeconfig: string;
  readonly apiserverUrl: string;
  readonly prometheusUrl: string;
  /** The kubectl built with the control plane (absent in state written by older versions). */
  readonly kubectl?: string;
  readonly daemons: readonly DaemonRecord[];
}

/** Files and folders inside one run directory. */
export function runLayout(runDir: string) {
  return {
    state: join(runDir, 'state.json'),
    lock: join(runDir, 'up.lock'),
    kubeconfig: join(runDir, 'kubeconfig'),
    pki: join(runDir, 'pki'),
    etcdData: join(runDir, 'etcd'),
    kwokConfig: join(runDir, 'kwok.yaml'),
    prometheus: join(runDir, 'prometheus'),
    logs: join(runDir, 'logs'),
  };
}

/** Reads the recorded state, or undefined when nothing was started from this run directory. */
export async function readState(runDir: string): Promise<ClusterState | undefined> {
  const file = runLayout(runDir).state;
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterState;
  } catch (err) {
    throw new LocalError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Writes the state atomically so a reader never sees half a file. */
export async function writeState(runDir: string, state: ClusterState): Promise<void> {
  const file = runLayout(runDir).state;
  await writeFile(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n');
  await rename(`${file}.tmp`, file);
}

/** Forgets the recorded state once its processes are stopped. */
export async function clearState(runDir: string): Promise<void> {
  await rm(runLayout(runDir).state, { force: true });
}

/**
 * Takes the run directory's lock so two `up` commands never start two clusters at once: a second
 * caller waits while the holder lives (then finds the cluster running), and a lock left by a
 * process that no longer exists is taken over.
 */
export async function acquireLock(
  runDir: string,
  onWait: (holder: number) => void = () => undefined,
): Promise<() => Promise<void>> {
  await mkdir(runDir, { recursive: true });
  const lock = runLayout(runDir).lock;
  let waitingFor = 0;
  let emptySeen = 0;
  for (;;) {
    if (await tryCreate(lock)) return () => rm(lock, { force: true });
    const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (holder === process.pid) throw new LocalError(`${lock} is already held by this process`);
    if (holder > 0 && pidExists(holder)) {
      if (waitingFor !== holder) onWait(holder);
      waitingFor = holder;
      await delay(250);
    } else if (holder > 0 || ++emptySeen > 40) {
      // The holder is gone (or died before writing its pid): the lock is stale.
      await rm(lock, { force: true });
    } else {
      // Just created by another process that has not written its pid yet.
      await delay(50);
    }
  }
}

/** Creates the lock file with our pid; false when it already exists. */
async function tryCreate(lock: string): Promise<boolean> {
  try {
    await writeFile(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Keeps the state file current while `up` works: every daemon is written down the moment it
 * starts, so a `down` (or the next `up`) finds it even if this process is killed half-way.
 */
export class StateRecorder {
  private state: ClusterState;

  constructor(
    private readonly runDir: string,
    kubeconfig: string,
  ) {
    this.state = {
      format: 1,
      startedAt: new Date().toISOString(),
      kubeconfig,
      apiserverUrl: '',
      prometheusUrl: '',
      daemons: [],
    };
  }

  /** The daemons started so far, oldest first. */
  get daemons(): readonly DaemonRecord[] {
    return this.state.daemons;
  }

  /** Records a started daemon. */
  async addDaemon(daemon: DaemonRecord): Promise<void> {
    await this.update({ daemons: [...this.state.daemons, daemon] });
  }

  /** Records URLs as they become known; returns the full state. */
  async update(change: Partial<Omit<ClusterState, 'format'>>): Promise<ClusterState> {
    this.state = { ...this.state, ...change };
    await writeState(this.runDir, this.state);
    return this.state;
  }
}
