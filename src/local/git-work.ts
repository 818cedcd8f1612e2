// A working copy that pushes to a real git server on loopback, for the GitOps tests and
// benchmarks: write files, commit, push, and read the commit back.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { runCommand } from './exec.js';
import { startGitServer, type GitServer } from './git-server.js';

/** The environment of test git commands: a fixed author, no prompts, no user or system config. */
export const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'ramp test',
  GIT_AUTHOR_EMAIL: 'test@ramp.dev',
  GIT_COMMITTER_NAME: 'ramp test',
  GIT_COMMITTER_EMAIL: 'test@ramp.dev',
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** A working copy whose pushes land in a bare repository served over HTTP. */
export interface WorkRepo {
  /** The clone URL a GitRepository points at. */
  readonly url: string;
  /** Writes (or replaces) files, relative to the repository root. */
  write(files: Record<string, string>): Promise<void>;
  /** Removes a file or folder. */
  remove(path: string): Promise<void>;
  /** Creates a symbolic link at `path` pointing at `target`. */
  link(path: string, target: string): Promise<void>;
  /** Commits everything and pushes main; returns the commit's sha. */
  commit(message: string): Promise<string>;
}

/** A git server for one test file, with its working copies; `stop` removes everything. */
export interface TestGit {
  readonly server: GitServer;
  repo(name: string): Promise<WorkRepo>;
  stop(): Promise<void>;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await runCommand('git', args, { cwd, env: gitEnv });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Starts a loopback git server in a temp folder. */
export async function startTestGit(): Promise<TestGit> {
  const dir = await mkdtemp(join(tmpdir(), 'ramp-gitops-'));
  const server = await startGitServer({ root: join(dir, 'srv') });
  return {
    server,
    repo: async (name) => {
      const url = await server.createRepository(name);
      const work = join(dir, 'work', name);
      await mkdir(work, { recursive: true });
      await git(work, 'init', '--initial-branch=main', '.');
      return workRepo(url, work);
    },
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function workRepo(url: string, work: string): WorkRepo {
  return {
    url,
    write: async (files) => {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await writeFile(join(work, path), text);
      }
    },
    remove: (path) => rm(join(work, path), { recursive: true, force: true }),
    link: async (path, target) => {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await symlink(target, join(work, path));
    },
    commit: async (message) => {
      await git(work, 'add', '-A', '.');
      await git(work, 'commit', '--allow-empty', '-m', message);
      await git(work, 'push', url, 'main');
      return git(work, 'rev-parse', 'HEAD');
    },
  };
}
