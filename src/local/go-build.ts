import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from '../observability/logger.js';
import {
  cacheEntryName,
  cacheEntryPrefix,
  formatDuration,
  goBuildEnv,
  goBuildFlags,
  goTargets,
  ldflags,
  type BuildInputs,
  type GoTarget,
} from './build-key.js';
import { LocalError } from './errors.js';
import { CommandNotFoundError, runCommand, tail } from './exec.js';

/** Where to find the Go toolchain and tool modules, and where to cache what they build. */
export interface GoBuildSettings {
  readonly goBinary: string;
  readonly toolsDir: string;
  readonly cacheDir: string;
  /** Aborted on Ctrl-C: the running `go build` is ended and nothing is cached. */
  readonly signal?: AbortSignal | undefined;
}

/** Absolute paths of the built control plane binaries, plus kwok's Stage files. */
export interface ControlPlaneBinaries {
  readonly paths: Readonly<Record<string, string>>;
  readonly kwokStagesDir: string;
}

/** The Stage files kwok needs, as shipped inside the kwok module (path within the module). */
const kwokStageFiles = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'kustomize/stage/pod/fast/pod-ready.yaml',
  'kustomize/stage/pod/fast/pod-complete.yaml',
  'kustomize/stage/pod/fast/pod-delete.yaml',
];

/** How often a long build reports that it is still going. */
const heartbeatMs = 30_000;

/**
 * Returns the control plane binaries, building each tool module once per content key
 * (go.mod, go.sum, targets, flags, Go version) and reusing the cache on every later call.
 */
export async function ensureControlPlaneBinaries(
  settings: GoBuildSettings,
  log: Logger,
): Promise<ControlPlaneBinaries> {
  const modules = [...new Set(goTargets.map((t) => t.module))];
  const paths: Record<string, string> = {};
  let kwokStagesDir = '';
  const go = await goInfo(settings.goBinary).catch((err: unknown) => err as LocalError);
  for (const module of modules) {
    const inputs = await readInputs(settings.toolsDir, module);
    let dir = await findCached(settings.cacheDir, inputs, go instanceof Error ? undefined : go);
    if (!dir) {
      if (go instanceof Error) throw go;
      dir = await buildModule(settings, inputs, go, log);
    }
    for (const target of inputs.targets) paths[target.binary] = join(dir, target.binary);
    if (module === 'kwok') kwokStagesDir = join(dir, 'stages');
  }
  return { paths, kwokStagesDir };
}

interface GoInfo {
  readonly version: string;
  readonly platform: string;
}

async function goInfo(goBinary: string): Promise<GoInfo> {
  try {
    const result = await runCommand(goBinary, ['env', 'GOVERSION', 'GOOS', 'GOARCH']);
    if (result.code !== 0) throw new LocalError(`${goBinary} env failed:\n${tail(result.stderr)}`);
    const [version = '', goos = '', goarch = ''] = result.stdout.trim().split('\n');
    return { version, platform: `${goos}-${goarch}` };
  } catch (err) {
    if (!(err instanceof CommandNotFoundError)) throw err;
    throw new LocalError(
      `Go toolchain not found: "${goBinary}" is not on PATH. ramp builds the local control plane ` +
        `(etcd, kube-apiserver, kwok, …) from Go modules once and caches it; install Go 1.26 or newer, ` +
        `or set RAMP_GO to the go binary.`,
    );
  }
}

async function readInputs(toolsDir: string, module: string): Promise<BuildInputs> {
  const dir = join(toolsDir, module);
  const read = async (file: string): Promise<string> => {
    try {
      return await readFile(join(dir, file), 'utf8');
    } catch {
      // A missing go.sum is the build's business (it fails with Go's own message); go.mod is ours.
      if (file === 'go.sum') return '';
      throw new LocalError(
        `tool module ${module}: ${join(dir, file)} is missing (RAMP_TOOLS_DIR=${toolsDir})`,
      );
    }
  };
  return {
    module,
    goMod: await read('go.mod'),
    goSum: await read('go.sum'),
    targets: goTargets.filter((t) => t.module === module),
  };
}

/**
 * Finds a finished cache entry. With Go installed, only an entry for that Go version counts; without
 * it any entry built from the same sources does, so a cached start works on a machine without Go.
 */
async function findCached(
  cacheDir: string,
  inputs: BuildInputs,
  go: GoInfo | undefined,
): Promise<string | undefined> {
  const root = join(cacheDir, 'go-tools');
  if (go) {
    const dir = join(root, cacheEntryName(inputs, go.version, go.platform));
    return existsSync(dir) ? dir : undefined;
  }
  const names = existsSync(root) ? await readdir(root) : [];
  const match = names
    .filter((n) => n.startsWith(cacheEntryPrefix(inputs)))
    .sort()
    .pop();
  return match ? join(root, match) : undefined;
}

async function buildModule(
  settings: GoBuildSettings,
  inputs: BuildInputs,
  go: GoInfo,
  log: Logger,
): Promise<string> {
  const root = join(settings.cacheDir, 'go-tools');
  await mkdir(root, { recursive: true });
  const finalDir = join(root, cacheEntryName(inputs, go.version, go.platform));
  // Build into a private folder and rename at the end, so a half-built entry is never used.
  const tmpDir = await mkdtemp(join(root, `.tmp-${inputs.module}-`));
  const logFile = join(root, `${inputs.module}-build.log`);
  await rm(logFile, { force: true });
  try {
    for (const target of inputs.targets) {
      await buildTarget(settings, target, {
        outDir: tmpDir,
        logFile,
        log,
        ldflags: ldflags(inputs.goMod),
      });
    }
    if (inputs.module === 'kwok') await copyKwokStages(settings, tmpDir, logFile);
    await rename(tmpDir, finalDir);
    await pruneOldEntries(root, inputs.module);
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
  return finalDir;
}

async function buildTarget(
  settings: GoBuildSettings,
  target: GoTarget,
  ctx: { outDir: string; logFile: string; log: Logger; ldflags: string },
): Promise<void> {
  const started = Date.now();
  ctx.log.info(
    `building ${target.binary} (${target.pkg}); the first build downloads modules and takes minutes`,
  );
  const timer = setInterval(
    () =>
      ctx.log.info(
        `still building ${target.binary}: ${formatDuration(Date.now() - started)} so far`,
      ),
    heartbeatMs,
  );
  try {
    const result = await runCommand(
      settings.goBinary,
      [
        'build',
        ...goBuildFlags,
        `-ldflags=${ctx.ldflags}`,
        '-o',
        join(ctx.outDir, target.binary),
        target.pkg,
      ],
      {
        cwd: join(settings.toolsDir, target.module),
        env: { ...process.env, ...goBuildEnv },
        logFile: ctx.logFile,
        signal: settings.signal,
      },
    );
    if (result.code !== 0) {
      throw new LocalError(
        `building ${target.binary} failed (go build exited ${result.code}):\n${tail(result.stderr)}\nfull build log: ${ctx.logFile}`,
      );
    }
  } catch (err) {
    if (err instanceof CommandNotFoundError) await goInfo(settings.goBinary); // rethrows the clear message
    throw err;
  } finally {
    clearInterval(timer);
  }
  ctx.log.info(`built ${target.binary} in ${formatDuration(Date.now() - started)}`);
}

/** How many builds of one module the cache keeps (another checkout may pin other versions). */
const keepPerModule = 2;

/** Removes the oldest cache entries of a module beyond {@link keepPerModule}: a k8s entry is ~300 MB. */
async function pruneOldEntries(root: string, module: string): Promise<void> {
  const entries = await Promise.all(
    (await readdir(root))
      .filter((name) => name.startsWith(`${module}-`) && !name.endsWith('.log'))
      .map(async (name) => ({ name, mtime: (await stat(join(root, name))).mtimeMs })),
  );
  entries.sort((a, b) => b.mtime - a.mtime);
  for (const old of entries.slice(keepPerModule)) {
    await rm(join(root, old.name), { recursive: true, force: true });
  }
}

/** Copies kwok's Stage definitions out of the module cache so a cached start does not need Go. */
async function copyKwokStages(
  settings: GoBuildSettings,
  outDir: string,
  logFile: string,
): Promise<void> {
  const result = await runCommand(
    settings.goBinary,
    ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'],
    {
      cwd: join(settings.toolsDir, 'kwok'),
      env: { ...process.env, ...goBuildEnv },
      logFile,
    },
  );
  const moduleDir = result.stdout.trim();
  if (result.code !== 0 || !moduleDir)
    throw new LocalError(`cannot locate the kwok module:\n${tail(result.stderr)}`);
  await mkdir(join(outDir, 'stages'));
  for (const file of kwokStageFiles) {
    await copyFile(join(moduleDir, file), join(outDir, 'stages', file.split('/').pop() as string));
  }
}
