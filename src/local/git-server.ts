import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

import { LocalError } from './errors.js';
import { runCommand, tail } from './exec.js';
import { loopback } from './ports.js';

/** Options for a loopback git server over HTTP (smart protocol, clone and push). */
export interface GitServerOptions {
  /** Folder holding bare repositories, served as /NAME.git. */
  readonly root: string;
  /** When set, every request must carry these HTTP basic credentials (https-style auth). */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** When set, requests may (or, without basicAuth, must) carry `Authorization: Bearer TOKEN`. */
  readonly bearerToken?: string;
}

/** A running git server; stop it when done. */
export interface GitServer {
  /** Base URL, e.g. http://127.0.0.1:PORT; a repository is at `${url}/NAME.git`. */
  readonly url: string;
  /** Creates an empty bare repository that accepts pushes; returns its clone URL. */
  createRepository(name: string): Promise<string>;
  /**
   * The protocol-v2 commands clients sent, in order ("ls-refs" for `git ls-remote`, "fetch" for
   * a fetch): lets a test see that an unchanged revision is listed but not fetched again.
   */
  readonly commands: readonly string[];
  stop(): Promise<void>;
}

/**
 * Serves bare repositories with `git http-backend` behind a small HTTP server bound to loopback.
 * Hand-written CGI glue: http-backend speaks CGI and no maintained npm package bridges it; the
 * bridge is only headers in, headers + body out.
 */
export async function startGitServer(opts: GitServerOptions): Promise<GitServer> {
  await mkdir(opts.root, { recursive: true });
  const commands: string[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'POST') req.once('data', (chunk: Buffer) => noteCommand(chunk, commands));
    handle(opts, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, loopback, resolve);
  });
  const address = server.address();
  const url = `http://${loopback}:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    createRepository: async (name) => {
      const dir = join(opts.root, `${name}.git`);
      await git(['init', '--bare', '--initial-branch=main', dir], opts.root);
      await git(['config', 'http.receivepack', 'true'], dir);
      return `${url}/${name}.git`;
    },
    commands,
    stop: () => closeServer(server),
  };
}

/** The v2 command at the start of a request body (pkt-line "0014command=ls-refs\n"), if any. */
function noteCommand(chunk: Buffer, commands: string[]): void {
  const command = /^[0-9a-f]{4}command=([a-z-]+)/.exec(chunk.subarray(0, 64).toString('latin1'));
  if (command?.[1]) commands.push(command[1]);
}

async function git(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('git', args, { cwd });
  if (result.code !== 0) throw new LocalError(`git ${args[0]} failed:\n${tail(result.stderr)}`);
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function authorized(opts: GitServerOptions, req: IncomingMessage): boolean {
  if (!opts.basicAuth && opts.bearerToken === undefined) return true;
  const header = req.headers.authorization ?? '';
  if (opts.basicAuth && header.startsWith('Basic ')) {
    const { username, password } = opts.basicAuth;
    return sameBytes(
      Buffer.from(header.slice(6), 'base64'),
      Buffer.from(`${username}:${password}`),
    );
  }
  if (opts.bearerToken !== undefined && header.startsWith('Bearer ')) {
    return sameBytes(Buffer.from(header.slice(7)), Buffer.from(opts.bearerToken));
  }
  return false;
}

function sameBytes(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function handle(opts: GitServerOptions, req: IncomingMessage, res: ServerResponse): void {
  if (!authorized(opts, req)) {
    res
      .writeHead(401, { 'WWW-Authenticate': opts.basicAuth ? 'Basic realm="ramp-git"' : 'Bearer' })
      .end('authentication required\n');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: opts.root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      REMOTE_USER: opts.basicAuth?.username ?? '',
      GIT_PROTOCOL: header(req, 'git-protocol'),
      HTTP_CONTENT_ENCODING: header(req, 'content-encoding'),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  child.on('error', () => res.headersSent || res.writeHead(500).end('git http-backend failed\n'));
  relayCgiResponse(child.stdout, res);
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/** Parses the CGI header block (up to the blank line), then streams the rest as the body. */
function relayCgiResponse(stdout: NodeJS.ReadableStream, res: ServerResponse): void {
  let head = Buffer.alloc(0);
  let headersDone = false;
  stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    writeCgiHeaders(head.subarray(0, end).toString('latin1'), res);
    res.write(head.subarray(end + 4));
  });
  stdout.on('end', () => (headersDone ? res.end() : res.writeHead(502).end('bad CGI response\n')));
}

function writeCgiHeaders(block: string, res: ServerResponse): void {
  let status = 200;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
    else res.setHeader(name, value);
  }
  res.writeHead(status);
}
