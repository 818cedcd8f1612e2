// Caches of the routing kinds (VirtualService, HTTPRoute, TrafficSplit, TraefikService), started
// the first time a Rollout routes through a kind. Their CRDs may not be installed (most clusters
// have one mesh or gateway, not all of them), so nothing is watched up front; until a kind's
// first list succeeds, readers fall back to a GET.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import type { Logger } from '../observability/logger.js';
import { Informer, type InformerOptions, defaultInformerOptions } from './informer.js';
import { rawRequest, resourcePath } from './raw.js';

/** A routing object's kind and place. */
export interface RoutingRef {
  readonly apiVersion: string;
  readonly plural: string;
  readonly namespace: string;
  readonly name: string;
}

/** What a cache knows of one object: `known` false means "ask the API server". */
export type CacheLookup<T> = { known: false } | { known: true; obj: T | undefined };

/** Lazily started informers for routing kinds, with one change handler for all of them. */
export class RoutingInformers {
  private readonly informers = new Map<string, Informer<KubernetesObject>>();
  private readonly handlers: ((obj: KubernetesObject) => void)[] = [];

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
    private readonly namespace: string | undefined,
    private readonly opts: InformerOptions = defaultInformerOptions,
  ) {}

  /** Called for every add, update and delete of any watched routing object. */
  onChange(handler: (obj: KubernetesObject) => void): void {
    this.handlers.push(handler);
  }

  /** The cached object, starting the kind's informer on first use. */
  lookup<T>(ref: RoutingRef): CacheLookup<T> {
    const informer = this.informerFor(ref);
    if (!informer.hasSynced) return { known: false };
    return { known: true, obj: informer.get(ref.namespace, ref.name) as T | undefined };
  }

  /** Stops every started informer. */
  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  private informerFor(ref: RoutingRef): Informer<KubernetesObject> {
    const key = `${ref.plural}.${ref.apiVersion}`;
    const existing = this.informers.get(key);
    if (existing) return existing;
    const path = resourcePath({
      apiVersion: ref.apiVersion,
      plural: ref.plural,
      namespace: this.namespace,
    });
    const informer = new Informer<KubernetesObject>(
      this.kc,
      {
        name: key,
        path,
        list: () => rawRequest<{ items: KubernetesObject[] }>(this.kc, { method: 'GET', path }),
      },
      this.log,
      this.opts,
    );
    for (const event of ['add', 'update', 'delete'] as const)
      informer.on(event, (obj) => this.handlers.forEach((h) => h(obj)));
    this.informers.set(key, informer);
    void informer.start();
    return informer;
  }
}
