// The exact command line and environment of one git call. Credentials travel only in the
// environment (config via GIT_CONFIG_*, or files named by GIT_SSH_COMMAND), never as arguments:
// arguments are world-readable in `ps` and end up in logs and error messages.
import type { GitAuth } from '../../decide/gitops/git-auth.js';

/** Private per-call paths: a throw-away HOME, and for ssh the key and known_hosts files. */
export interface InvocationPaths {
  home: string;
  identityFile?: string;
  knownHostsFile?: string;
}

/** Arguments and environment for spawning git. */
export interface GitInvocation {
  args: string[];
  env: Record<string, string>;
}

/**
 * Config that makes a fetch from an untrusted remote harmless: no ext:: transport (it runs
 * commands), no hooks, no credential helpers or prompts. Symlinks are checked out as symlinks on
 * purpose: the renderer refuses any that leaves the repository with a message naming it, which a
 * plain-file checkout would turn into a puzzling parse error.
 */
export const HARDENING_CONFIG: readonly string[] = [
  'protocol.ext.allow=never',
  'core.hooksPath=/dev/null',
  'credential.helper=',
  'core.askPass=',
  'core.symlinks=true',
  'core.fsmonitor=false',
  'submodule.recurse=false',
  'advice.detachedHead=false',
];

/** Builds the command line and environment of `git <args>` authenticated with `auth`. */
export function gitInvocation(
  args: readonly string[],
  auth: GitAuth,
  paths: InvocationPaths,
): GitInvocation {
  const config = HARDENING_CONFIG.flatMap((entry) => ['-c', entry]);
  return { args: [...config, ...args], env: { ...baseEnv(paths.home), ...authEnv(auth, paths) } };
}

/** A clean environment: nothing from the controller's own, no system or user git config. */
function baseEnv(home: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: home,
    LC_ALL: 'C', // error classification reads git's English messages
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    // Plain ssh fails on an unknown host instead of asking; ssh auth replaces this below.
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes -o StrictHostKeyChecking=yes',
  };
}

function authEnv(auth: GitAuth, paths: InvocationPaths): Record<string, string> {
  switch (auth.kind) {
    case 'basic':
      return extraHeader(`Basic ${base64(`${auth.username}:${auth.password}`)}`);
    case 'bearer':
      return extraHeader(`Bearer ${auth.token}`);
    case 'ssh':
      return { GIT_SSH_COMMAND: sshCommand(paths) };
    default:
      return {};
  }
}

/** The Authorization header as config from the environment (git >= 2.31 reads GIT_CONFIG_*). */
function extraHeader(authorization: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: ${authorization}`,
  };
}

/** ssh with only the given key, only the given host keys, and never a question. */
export function sshCommand(paths: InvocationPaths): string {
  const { identityFile, knownHostsFile } = paths;
  if (!identityFile || !knownHostsFile) throw new Error('ssh auth needs identity and known_hosts');
  return [
    'ssh',
    '-F /dev/null',
    `-i ${shellQuote(identityFile)}`,
    `-o UserKnownHostsFile=${shellQuote(knownHostsFile)}`,
    '-o StrictHostKeyChecking=yes',
    '-o IdentitiesOnly=yes',
    '-o BatchMode=yes',
  ].join(' ');
}

/** GIT_SSH_COMMAND goes through a shell; the paths are ours, but quote them anyway. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
