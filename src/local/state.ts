import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { LocalError } from './errors.js';
import type { DaemonRecord } from './processes.js';

/** What `ramp local up` records in the run directory: enough for `down` to stop exactly its processes. */
export interface ClusterState {
  readonly format: 1;
  readonly startedAt: string;
  readonly kubeconfig: string;
  readonly apiserverUrl: string;
  readonly prometheusUrl: string;
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
 * Takes the run directory's lock so two `up` commands never start two clusters at once; a lock left
 * by a process that no longer exists is taken over.
 */
export async function acquireLock(runDir: string): Promise<() => Promise<void>> {
  await mkdir(runDir, { recursive: true });
  const lock = runLayout(runDir).lock;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (holder > 0 && holder !== process.pid && pidExists(holder)) {
        throw new LocalError(
          `another ramp local up (pid ${holder}) is working on ${runDir}; wait for it or stop it`,
        );
      }
      await rm(lock, { force: true });
    }
  }
  throw new LocalError(`cannot take the lock ${lock}`);
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
