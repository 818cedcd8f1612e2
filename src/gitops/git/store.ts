// The on-disk cache of checked-out commits: <cacheDir>/<hash of url>/<sha> holds the files of one
// commit (no .git), <sha>.digest its digest. A checkout appears by rename, so a reader sees either
// nothing or the complete tree, and two writers of the same commit cannot corrupt it.
import { createHash } from 'node:crypto';
import {
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';

/** The files of one commit on disk. */
export interface Checkout {
  /** Folder with the commit's files (no .git). */
  dir: string;
  /** Commit SHA-1. */
  sha: string;
  /** `sha256:<hex>` of the commit's content. */
  digest: string;
}

/** How many checkouts of one URL stay on disk: the current one and a couple to roll back to. */
export const KEPT_CHECKOUTS = 3;

/** A checkout used within this long is never evicted (a render may be copying it). */
export const IN_USE_MS = 10 * 60_000;

const WORK_PREFIX = '.work-';
/** A work dir this old belongs to a process that died mid-fetch. */
const STALE_WORK_MS = 60 * 60 * 1000;

/** The per-URL folders of the checkout cache. */
export class CheckoutStore {
  constructor(
    private readonly cacheDir: string,
    private readonly inUseMs = IN_USE_MS,
  ) {}

  /** The folder of one URL's checkouts; the URL is hashed so it can hold any characters. */
  urlDir(url: string): string {
    return join(this.cacheDir, createHash('sha256').update(url).digest('hex').slice(0, 16));
  }

  /** The complete checkout of `sha`, if on disk; marks it as recently used. */
  async find(url: string, sha: string): Promise<Checkout | undefined> {
    const dir = join(this.urlDir(url), sha);
    const digest = await readFile(`${dir}.digest`, 'utf8').catch(() => undefined);
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!digest || !isDir) return undefined;
    await touch(dir);
    return { dir, sha, digest };
  }

  /** A fresh private work folder next to the checkouts (same file system, so rename works). */
  async workDir(url: string): Promise<string> {
    const parent = this.urlDir(url);
    await mkdir(parent, { recursive: true });
    return mkdtemp(join(parent, WORK_PREFIX));
  }

  /** Moves a finished tree into place as the checkout of `sha`, then evicts old checkouts. */
  async publish(url: string, sha: string, tree: string, digest: string): Promise<Checkout> {
    const dir = join(this.urlDir(url), sha);
    const digestTmp = `${tree}.digest`;
    await writeFile(digestTmp, digest);
    await rename(digestTmp, `${dir}.digest`);
    try {
      await rename(tree, dir);
    } catch (err) {
      // Another call published the same commit first; its tree has the same content.
      if (!isAlreadyThere(err)) throw err;
    }
    await touch(dir);
    await this.evict(url, sha);
    return { dir, sha, digest };
  }

  /** Deletes all but the KEPT_CHECKOUTS most recently used checkouts (never `keep`, never one used in the last IN_USE_MS). */
  async evict(url: string, keep: string): Promise<void> {
    const parent = this.urlDir(url);
    const entries = await readdir(parent, { withFileTypes: true });
    const aged = await Promise.all(
      entries
        .filter((e) => e.isDirectory())
        .map(async (e) => ({ name: e.name, mtime: await mtimeOf(join(parent, e.name)) })),
    );
    const now = Date.now();
    const stale = aged.filter(
      (e) => e.name.startsWith(WORK_PREFIX) && now - e.mtime > STALE_WORK_MS,
    );
    const old = aged
      .filter((e) => !e.name.startsWith(WORK_PREFIX) && e.name !== keep)
      .sort((a, b) => b.mtime - a.mtime)
      .slice(KEPT_CHECKOUTS - 1)
      // A checkout handed out recently may be being rendered right now (cached() touches it):
      // several GitRepositories on one URL with different refs must not evict each other's.
      .filter((e) => now - e.mtime > this.inUseMs);
    await Promise.all([...stale, ...old].map((e) => removeCheckout(join(parent, e.name))));
  }
}

async function removeCheckout(dir: string): Promise<void> {
  // The digest goes first: without it, find() no longer offers a half-deleted tree.
  await rm(`${dir}.digest`, { force: true });
  await rm(dir, { recursive: true, force: true });
}

async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

async function mtimeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.mtimeMs,
    () => 0,
  );
}

function isAlreadyThere(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}
