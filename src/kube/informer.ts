// A list+watch cache of one resource with a watchdog. client-node's ListWatch stops for good on
// the first non-410 error and cannot notice a watch that stalls without closing (a half-open TCP
// connection delivers nothing, forever); controllers then act on a stale cache. This informer
// asks for bookmarks and server-side timeouts, restarts a watch that has been silent for too
// long, resumes from the last resourceVersion, and relists only when the server says 410 Gone.
import { setTimeout as delay } from 'node:timers/promises';

import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

import type { Logger } from '../observability/logger.js';

/** A list response: the items and the collection's resourceVersion. */
export interface ListResult<T> {
  readonly items: T[];
  readonly metadata?: { readonly resourceVersion?: string };
}

/** What to watch. */
export interface InformerSpec<T> {
  /** Name in logs, e.g. "rollouts". */
  readonly name: string;
  /** The collection's URL path, e.g. /apis/apps/v1/replicasets or /api/v1/namespaces/x/services. */
  readonly path: string;
  /** Lists the same collection (a typed client call). */
  readonly list: () => Promise<ListResult<T>>;
  readonly labelSelector?: string;
}

/** Timing of the watch loop. */
export interface InformerOptions {
  /** Server closes each watch after this long; the informer then resumes it. */
  readonly watchTimeoutSeconds: number;
  /** A watch silent (no event, no bookmark) for this long is considered stalled and restarted. */
  readonly stallMs: number;
  /** First and longest wait before retrying after an error. */
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** Defaults: 5-minute watches, stall after 6 minutes of silence, retry between 0.5 s and 30 s. */
export const defaultInformerOptions: InformerOptions = {
  watchTimeoutSeconds: 300,
  stallMs: 360_000,
  minBackoffMs: 500,
  maxBackoffMs: 30_000,
};

type Handler<T> = (obj: T, old?: T) => void;

/** Counts an operator can export as metrics. */
export interface InformerStats {
  watchesStarted: number;
  stallsDetected: number;
  relists: number;
  errors: number;
}

/** A cache of one resource kept current by list+watch, with change handlers. */
export class Informer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers = {
    add: [] as Handler<T>[],
    update: [] as Handler<T>[],
    delete: [] as Handler<T>[],
  };
  private resourceVersion = '';
  private stopped = false;
  private current: AbortController | undefined;
  private synced: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  readonly stats: InformerStats = { watchesStarted: 0, stallsDetected: 0, relists: 0, errors: 0 };

  constructor(
    private readonly kc: KubeConfig,
    private readonly spec: InformerSpec<T>,
    private readonly log: Logger,
    private readonly opts: InformerOptions = defaultInformerOptions,
  ) {}

  /** Registers a handler; `update` also gets the previous object. */
  on(event: 'add' | 'update' | 'delete', handler: Handler<T>): void {
    this.handlers[event].push(handler);
  }

  /** Starts the loop; resolves once the first list is in the cache. */
  start(): Promise<void> {
    this.synced ??= new Promise<void>((resolve) => {
      this.loop = this.run(() => {
        this.hasSynced = true;
        resolve();
      });
    });
    return this.synced;
  }

  /** True once the first list is in the cache: from then on, absent means absent. */
  hasSynced = false;

  /** Stops watching and waits for the loop to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort();
    await this.loop;
  }

  /** The cached object, or undefined. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(cacheKey(namespace, name));
  }

  /** Every cached object, optionally of one namespace. */
  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  private async run(onSynced: () => void): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        onSynced();
        const outcome = await this.watchOnce();
        if (outcome === 'gone') this.resourceVersion = '';
        failures = 0;
      } catch (err) {
        if (this.stopped) break;
        this.stats.errors++;
        const wait = Math.min(this.opts.minBackoffMs * 2 ** failures++, this.opts.maxBackoffMs);
        this.log.warn(
          { informer: this.spec.name, err: errorMessage(err), retryInMs: wait },
          'watch failed',
        );
        await delay(wait);
      }
    }
  }

  /** Lists the collection and reconciles the cache with it, emitting the differences. */
  private async relist(): Promise<void> {
    this.stats.relists++;
    const result = await this.spec.list();
    const seen = new Set<string>();
    for (const obj of result.items) {
      const key = keyOf(obj);
      seen.add(key);
      this.upsert(key, obj);
    }
    for (const [key, obj] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit('delete', obj);
      }
    }
    this.resourceVersion = result.metadata?.resourceVersion ?? '';
  }

  /** One watch request; resolves when it ends normally or is restarted by the watchdog. */
  private async watchOnce(): Promise<'ended' | 'gone'> {
    this.stats.watchesStarted++;
    this.current = undefined;
    let gone = false;
    let lastEvent = Date.now();
    const ended = new Promise<Error | null>((resolve) => {
      const params: Record<string, string | number | boolean> = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: this.opts.watchTimeoutSeconds,
      };
      if (this.spec.labelSelector) params.labelSelector = this.spec.labelSelector;
      const onEvent = (type: string, obj: T & { code?: number }): void => {
        lastEvent = Date.now();
        if (type === 'ERROR') gone = gone || obj.code === 410;
        else this.apply(type, obj);
      };
      new Watch(this.kc)
        .watch(this.spec.path, params, onEvent, (err: unknown) =>
          resolve((err as Error | null) ?? null),
        )
        .then(
          (controller) => (this.current = controller),
          (err: unknown) => resolve(err as Error),
        );
    });
    const watchdog = setInterval(
      () => {
        if (Date.now() - lastEvent < this.opts.stallMs) return;
        this.stats.stallsDetected++;
        this.log.warn(
          { informer: this.spec.name, silentMs: Date.now() - lastEvent },
          'watch stalled; restarting it',
        );
        lastEvent = Date.now();
        this.current?.abort();
      },
      Math.min(1000, this.opts.stallMs / 4),
    );
    try {
      const err = await ended;
      if (err && (err as { statusCode?: number }).statusCode === 410) return 'gone';
      if (err && !this.stopped && err.name !== 'AbortError') throw err;
      return gone ? 'gone' : 'ended';
    } finally {
      clearInterval(watchdog);
    }
  }

  private apply(type: string, obj: T): void {
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') return;
    const key = keyOf(obj);
    if (type === 'DELETED') {
      this.cache.delete(key);
      this.emit('delete', obj);
    } else {
      this.upsert(key, obj);
    }
  }

  private upsert(key: string, obj: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    if (!old) this.emit('add', obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
      this.emit('update', obj, old);
  }

  private emit(event: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    for (const handler of this.handlers[event]) {
      try {
        handler(obj, old);
      } catch (err) {
        this.log.error(
          { informer: this.spec.name, err: errorMessage(err) },
          'informer handler threw',
        );
      }
    }
  }
}

function cacheKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The queue key of an object: namespace/name, or name for cluster-scoped objects. */
export function keyOf(obj: KubernetesObject): string {
  return cacheKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
