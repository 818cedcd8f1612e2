// Runs one git process with a hard time limit. runCommand (src/local/exec.ts) ends only the
// process it started, but git leaves the network to a helper child (git-remote-http, ssh) that
// keeps the output pipes open, so a stuck fetch would outlive the kill. Here git gets its own
// process group, and the whole group is killed when the time is up.
import { spawn } from 'node:child_process';

import type { CommandResult } from '../../local/exec.js';

/** Options of {@link runGitProcess}. */
export interface GitProcessOptions {
  cwd: string;
  env: Record<string, string>;
  /** Kills git and every helper it started when this aborts. */
  signal: AbortSignal;
}

/** Runs `command args` to completion; a non-zero exit is data. Rejects when it cannot start. */
export function runGitProcess(
  command: string,
  args: readonly string[],
  opts: GitProcessOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true, // own process group, so the kill below reaches the helpers too
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killGroup = () => {
      if (child.pid !== undefined) killQuietly(-child.pid);
    };
    opts.signal.addEventListener('abort', killGroup, { once: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (err) => {
      opts.signal.removeEventListener('abort', killGroup);
      reject(err);
    });
    child.once('close', (code, signal) => {
      opts.signal.removeEventListener('abort', killGroup);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    if (opts.signal.aborted) killGroup();
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}
