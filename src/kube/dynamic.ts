// A client for objects of any kind, found through discovery and sent as raw JSON: GitOps applies
// whatever Git holds, including kinds of CRDs installed a moment ago, and server-side apply needs
// each object exactly as written (see raw.ts).
import type { KubeConfig } from '@kubernetes/client-node';

import { refOf, type ManifestObject, type ObjectRef } from '../decide/gitops/objects.js';
import { KubeRequestError, rawRequest, resourcePath, type Impersonation } from './raw.js';

/** ramp's field manager for the GitOps server-side applies. */
export const gitopsFieldManager = 'ramp';

/** How a kind is addressed. */
export interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

/** One JSON patch (RFC 6902) operation. */
export interface JsonPatchOp {
  readonly op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

/** A kind the API server does not serve (yet): no discovery entry for it. */
export class UnknownKindError extends Error {
  override readonly name = 'UnknownKindError';
  constructor(apiVersion: string, kind: string) {
    super(`no kind "${kind}" in group "${apiVersion}" is served by the API server`);
  }
}

/** A live object as JSON. */
export type LiveObject = Record<string, unknown>;

/** How long a group-version that lacked a kind is not asked again. */
const rediscoverAfterMs = 2_000;

interface APIResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

interface APIGroupList {
  groups?: { versions?: { groupVersion: string }[] }[];
}

/** A discovery answer that is asked again on demand, at most every two seconds. */
class Throttled<T> {
  private fetchedAt = 0;
  private pending: Promise<void> | undefined;
  constructor(
    public value: T,
    private readonly fetcher: () => Promise<T>,
  ) {}

  /** The fresh answer, or the cached one when it was fetched less than two seconds ago. */
  async refresh(): Promise<T> {
    if (!this.pending && Date.now() - this.fetchedAt >= rediscoverAfterMs)
      this.pending = this.load();
    await this.pending;
    return this.value;
  }

  private async load(): Promise<void> {
    try {
      this.value = await this.fetcher();
      this.fetchedAt = Date.now();
    } finally {
      this.pending = undefined;
    }
  }
}

type Kinds = Map<string, ResourceInfo>;

/**
 * Discovery results of one API server: the served group-versions, and the kinds of each one
 * asked about. A miss is asked again (at most every two seconds) because a CRD applied a moment
 * ago adds kinds; a hit never changes for the kind.
 */
class Discovery {
  private readonly served = new Throttled<Set<string>>(new Set(), () => this.fetchServed());
  private readonly groupVersions = new Map<string, Throttled<Kinds>>();
  constructor(private readonly kc: KubeConfig) {}

  async lookup(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let gv = this.groupVersions.get(apiVersion);
    if (!gv) {
      gv = new Throttled<Kinds>(new Map(), () => this.fetchKinds(apiVersion));
      this.groupVersions.set(apiVersion, gv);
    }
    const known = gv.value.get(kind);
    if (known) return known;
    // The API server answers an unknown group-version with a plain-text 404 page, so the group
    // list says whether asking for its kinds makes sense. The core group is always served.
    if (apiVersion.includes('/') && !(await this.isServed(apiVersion))) return undefined;
    return (await gv.refresh()).get(kind);
  }

  /** Drops what is known of a group-version (its kinds are asked again on the next lookup). */
  forget(apiVersion: string): void {
    this.groupVersions.delete(apiVersion);
  }

  /** The served versions of the group of `apiVersion` other than it (the core group has one). */
  async otherVersions(apiVersion: string): Promise<string[]> {
    const slash = apiVersion.indexOf('/');
    if (slash < 0) return [];
    const group = apiVersion.slice(0, slash + 1);
    const served = await this.served.refresh();
    return [...served].filter((gv) => gv.startsWith(group) && gv !== apiVersion);
  }

  private async isServed(apiVersion: string): Promise<boolean> {
    return this.served.value.has(apiVersion) || (await this.served.refresh()).has(apiVersion);
  }

  private async fetchServed(): Promise<Set<string>> {
    const list = await rawRequest<APIGroupList>(this.kc, { method: 'GET', path: '/apis' });
    return new Set(
      (list.groups ?? []).flatMap((g) => (g.versions ?? []).map((v) => v.groupVersion)),
    );
  }

  private async fetchKinds(apiVersion: string): Promise<Kinds> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const list = await rawRequest<APIResourceList>(this.kc, { method: 'GET', path }).catch(
      (err: unknown): APIResourceList => {
        // A group-version removed since the group list was read: its 404 page is not JSON.
        if (err instanceof SyntaxError) return {};
        if (err instanceof KubeRequestError && err.statusCode === 404) return {};
        throw err;
      },
    );
    const kinds: Kinds = new Map();
    // Subresources (deployments/scale) share their parent's kind; only top-level names count.
    for (const r of list.resources ?? [])
      if (!r.name.includes('/')) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
    return kinds;
  }
}

// Discovery does not depend on who asks, so impersonating clients share their kubeconfig's cache.
const discoveries = new WeakMap<KubeConfig, Discovery>();

function discoveryFor(kc: KubeConfig): Discovery {
  let discovery = discoveries.get(kc);
  if (!discovery) {
    discovery = new Discovery(kc);
    discoveries.set(kc, discovery);
  }
  return discovery;
}

/** Reads, applies, patches and deletes objects of any served kind, optionally as another user. */
export class DynamicClient {
  private readonly discovery: Discovery;
  private readonly impersonate: Impersonation | undefined;

  constructor(
    private readonly kc: KubeConfig,
    opts: { impersonate?: Impersonation | undefined } = {},
  ) {
    this.discovery = discoveryFor(kc);
    this.impersonate = opts.impersonate;
  }

  /** How a kind is addressed, or undefined when the API server does not serve it. */
  resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    return this.discovery.lookup(apiVersion, kind);
  }

  /** The live object, or undefined when it does not exist. */
  async get(ref: ObjectRef): Promise<LiveObject | undefined> {
    const path = await this.pathOf(ref);
    try {
      return await this.request<LiveObject>({ method: 'GET', path });
    } catch (err) {
      if (err instanceof KubeRequestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Server-side applies the object as ramp; a dry run changes nothing and shows the result. */
  async apply(obj: ManifestObject, opts: { dryRun: boolean; force: boolean }): Promise<LiveObject> {
    const query = new URLSearchParams({ fieldManager: gitopsFieldManager });
    if (opts.force) query.set('force', 'true');
    if (opts.dryRun) query.set('dryRun', 'All');
    const path = await this.pathOf(refOf(obj));
    return this.request<LiveObject>({
      method: 'PATCH',
      path: `${path}?${query.toString()}`,
      body: obj,
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** Applies a JSON patch (e.g. a `test` of resourceVersion and a managedFields replacement). */
  async patchJson(ref: ObjectRef, ops: readonly JsonPatchOp[]): Promise<LiveObject> {
    return this.request<LiveObject>({
      method: 'PATCH',
      path: await this.pathOf(ref),
      body: ops,
      contentType: 'application/json-patch+json',
    });
  }

  /** Deletes the object; 'gone' when it (or its kind) no longer exists. */
  async delete(
    ref: ObjectRef,
    opts: { propagationPolicy: 'Background' | 'Foreground' | 'Orphan' } = {
      propagationPolicy: 'Background',
    },
  ): Promise<'deleted' | 'gone'> {
    const first = await this.deleteAt(ref, opts.propagationPolicy);
    if (first !== 'version-gone') return first;
    // The cached kinds named a version the API server stopped serving: ask again, once.
    this.discovery.forget(ref.apiVersion);
    const again = await this.deleteAt(ref, opts.propagationPolicy);
    return again === 'version-gone' ? 'gone' : again;
  }

  private async deleteAt(
    ref: ObjectRef,
    propagationPolicy: string,
  ): Promise<'deleted' | 'gone' | 'version-gone'> {
    const served = await this.servedRef(ref);
    if (!served) return 'gone';
    try {
      await this.request({
        method: 'DELETE',
        path: this.pathWith(served.ref, served.info),
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy },
      });
      return 'deleted';
    } catch (err) {
      if (!(err instanceof KubeRequestError) || err.statusCode !== 404) throw err;
      // The object's own 404 is a Status naming NotFound; an unserved path is a plain page.
      const reason = (err.body as { reason?: string } | undefined)?.reason;
      return reason === 'NotFound' ? 'gone' : 'version-gone';
    }
  }

  /**
   * The ref at a version the API server still serves: an inventory may name a version a CRD has
   * since dropped (v1beta1 → v1), and the object is still there under another version.
   */
  private async servedRef(
    ref: ObjectRef,
  ): Promise<{ ref: ObjectRef; info: ResourceInfo } | undefined> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind);
    if (info) return { ref, info };
    for (const apiVersion of await this.discovery.otherVersions(ref.apiVersion)) {
      const other = await this.resourceFor(apiVersion, ref.kind);
      if (other) return { ref: { ...ref, apiVersion }, info: other };
    }
    return undefined;
  }

  private request<T>(req: Parameters<typeof rawRequest>[1]): Promise<T> {
    return rawRequest<T>(this.kc, { ...req, impersonate: this.impersonate });
  }

  private async pathOf(ref: ObjectRef): Promise<string> {
    const info = await this.resourceFor(ref.apiVersion, ref.kind);
    if (!info) throw new UnknownKindError(ref.apiVersion, ref.kind);
    return this.pathWith(ref, info);
  }

  private pathWith(ref: ObjectRef, info: ResourceInfo): string {
    if (info.namespaced && !ref.namespace)
      throw new Error(`${ref.kind} ${ref.name} is namespaced but has no namespace`);
    return resourcePath({
      apiVersion: ref.apiVersion,
      plural: info.plural,
      namespace: info.namespaced ? ref.namespace : undefined,
      name: ref.name,
    });
  }
}
