// Running kustomize on the repository copy, and finding a kustomize to run.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

import { tail } from '../../local/exec.js';
import { RenderError, formatBytes, maxRenderBytes, timeoutError } from './errors.js';

/** How to invoke kustomize: `kustomize build` or `kubectl kustomize`; the path is appended. */
export interface KustomizeCommand {
  command: string;
  args: readonly string[];
}

/** One kustomize run. */
export interface KustomizeRun {
  readonly kustomize: KustomizeCommand;
  /** Repository-relative posix path of the kustomization directory. */
  readonly path: string;
  /** The repository copy (cwd); replaced by the relative path in error messages. */
  readonly repo: string;
  /** The workspace, HOME of kustomize. */
  readonly home: string;
  readonly signal: AbortSignal;
}

/**
 * Runs kustomize and returns its stdout. Plugins, exec functions and Helm stay off (their flags
 * are never passed) and files load only from inside each kustomization's root.
 */
export async function runKustomize(run: KustomizeRun): Promise<string> {
  // "./" keeps a directory named like a flag ("--enable-exec") from being read as one.
  const target = run.path === '.' ? '.' : `./${run.path}`;
  const args = [...run.kustomize.args, target, '--load-restrictor', 'LoadRestrictionsRootOnly'];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: run.home };
  const result = await spawnCapped(run.kustomize.command, args, { cwd: run.repo, env }, run.signal);
  if (result.code !== 0) {
    const message = tail(redact(result.stderr, run), 20) || `exit code ${result.code}`;
    throw new RenderError('Kustomize', `kustomize build "${run.path}" failed: ${message}`);
  }
  return result.stdout;
}

/**
 * The error as its author should read it: temp paths become repository-relative, and the log
 * framing of `kubectl kustomize` (klog header, `"command failed" err=…`) or `Error: ` goes.
 */
function redact(text: string, run: KustomizeRun): string {
  const paths = text
    .replaceAll(`${run.repo}/`, '')
    .replaceAll(run.repo, '.')
    .replaceAll(run.home, '<workspace>');
  return unframe(paths.replace(klogHeader, '').trim());
}

const klogHeader = /^[IWEF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] /gm;

function unframe(text: string): string {
  const quoted = /^"command failed" err=("(?:[^"\\]|\\.)*")$/s.exec(text)?.[1];
  if (quoted) return unquote(quoted);
  const block = /^"command failed" err=<\n(.*)\n\s*>$/s.exec(text)?.[1];
  if (block) return block.replace(/^\t/gm, '').trim();
  return text.replace(/^Error: /, '');
}

/** Go-quoted strings read as JSON ones for everything kustomize writes. */
function unquote(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}

interface Spawned {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Hand-rolled rather than runCommand: a timeout here must kill the whole process group (a
 * wrapper's children would otherwise keep the pipes open and the render waiting), and output is
 * capped while it streams.
 */
function spawnCapped(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
  signal: AbortSignal,
): Promise<Spawned> {
  return new Promise<Spawned>((resolve, reject) => {
    if (signal.aborted) return reject(timeoutError(signal));
    const child = spawn(command, args, {
      ...opts,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout = new Capped(maxRenderBytes);
    const stderr = new Capped(1024 * 1024);
    let failure: Error | undefined;
    const stop = (err: Error) => {
      failure ??= err;
      killGroup(child.pid);
    };
    const onAbort = () => stop(timeoutError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!stdout.add(chunk)) stop(tooLarge());
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
    child.once('error', (err: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      failure ??= err.code === 'ENOENT' ? notFound(command) : err;
      reject(failure);
    });
    child.once('exit', () => {
      signal.removeEventListener('abort', onAbort);
      // A killed group's stragglers must not hold the render open: fail at once. After a normal
      // exit, end any leftover children so the pipes close and all output is read.
      if (failure) reject(failure);
      else killGroup(child.pid);
    });
    child.once('close', (code, sig) => {
      if (!failure)
        resolve({ code: code ?? (sig ? 128 : 1), stdout: stdout.text(), stderr: stderr.text() });
    });
  });
}

/** Output collected up to a limit; decoded once at the end so multi-byte characters survive. */
class Capped {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  /** Adds a chunk; false once the limit is passed (the rest is dropped). */
  add(chunk: Buffer): boolean {
    if (this.size + chunk.length > this.limit) return false;
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function tooLarge(): RenderError {
  return new RenderError(
    'TooLarge',
    `kustomize output exceeds the render limit of ${formatBytes(maxRenderBytes)}`,
  );
}

function notFound(command: string): RenderError {
  return new RenderError('Kustomize', `kustomize command "${command}" not found`);
}

/**
 * The kustomize to run: an explicit kustomize binary, else `kustomize` on PATH, else kubectl's
 * built-in one (`kubectl kustomize`). Candidates that are not executable are skipped.
 */
export async function findKustomize(opts: {
  kustomizeBinary?: string;
  kubectlBinary?: string;
}): Promise<KustomizeCommand | undefined> {
  const candidates: [string | undefined, readonly string[]][] = [
    [opts.kustomizeBinary, ['build']],
    ['kustomize', ['build']],
    [opts.kubectlBinary ?? 'kubectl', ['kustomize']],
  ];
  for (const [name, args] of candidates) {
    const command = name ? await executable(name) : undefined;
    if (command) return { command, args };
  }
  return undefined;
}

/**
 * The executable `name` resolves to (a path, or a name looked up in PATH). Hand-rolled: a `which`
 * package would be a dependency for a dozen lines.
 */
async function executable(name: string): Promise<string | undefined> {
  const paths = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, name));
  for (const path of paths) {
    if (await isExecutableFile(path)) return path;
  }
  return undefined;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
