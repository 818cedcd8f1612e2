// The adapter for weighted routing objects: reads them from the API server (they are few and
// their kinds may not be installed, so no informer) and writes their new specs with a merge patch.
import type { KubeConfig } from '@kubernetes/client-node';

import type { Rollout } from '../api/rollout.js';
import { canonicalJson, podTemplateHashLabel } from '../decide/hash.js';
import { managedRouteNames, specWithRoutes, type RouteHost } from '../decide/managed-routes.js';
import { rawRequest, resourcePath } from '../kube/raw.js';
import { createIfAbsent, isNotFoundError, mergePatch } from '../kube/rollout-io.js';
import type { RoutingInformers } from '../kube/routing-informers.js';
import { ownerReference } from './nginx.js';
import { RoutingError, type TrafficRouter, type WeightTarget } from './router.js';
import { routeHostOf, type ObjectRef, type WeightedKind } from './weighted.js';

type Obj = Record<string, unknown> & { spec?: Record<string, unknown> };

/** A TrafficRouter over one weighted kind. */
export class WeightedRouter implements TrafficRouter {
  readonly name: string;

  constructor(
    private readonly kc: KubeConfig,
    private readonly kind: WeightedKind,
    private readonly cache?: RoutingInformers,
  ) {
    this.name = kind.name;
  }

  async readWeight(rollout: Rollout): Promise<number | undefined> {
    const weights: (number | undefined)[] = [];
    for (const ref of this.kind.refs(rollout)) {
      const obj = await this.read(ref);
      weights.push(obj ? this.kind.read(obj, rollout) : undefined);
    }
    return weights.length > 0 && weights.every((w) => w === weights[0]) ? weights[0] : undefined;
  }

  async setWeight(rollout: Rollout, target: WeightTarget): Promise<void> {
    for (const ref of this.kind.refs(rollout)) {
      const obj = await this.get(ref);
      if (!obj && this.kind.create) {
        const body = this.kind.create(rollout, target);
        await createIfAbsent(this.kc, ref.plural, {
          ...body,
          metadata: { ...(body.metadata as object), ownerReferences: [ownerReference(rollout)] },
        });
        continue;
      }
      if (!obj)
        throw new RoutingError(
          `${ref.kind} "${ref.name}" (trafficRouting.${this.kind.name}) not found in namespace ${ref.namespace}`,
        );
      const spec = this.kind.write(obj, rollout, target);
      if (spec) await mergePatch(this.kc, ref, { spec });
    }
    await this.labelSubsets(rollout, target);
  }

  async readRouteHosts(rollout: Rollout): Promise<RouteHost[]> {
    if (!this.kind.routeHost || managedRouteNames(rollout).length === 0) return [];
    const hosts: RouteHost[] = [];
    for (const ref of this.kind.refs(rollout)) {
      const obj = await this.read(ref);
      const host = obj && routeHostOf(this.kind, obj);
      if (host) hosts.push(host);
    }
    return hosts;
  }

  async removeRoutes(rollout: Rollout): Promise<void> {
    if (!this.kind.routeHost || managedRouteNames(rollout).length === 0) return;
    for (const ref of this.kind.refs(rollout)) {
      const obj = await this.get(ref);
      const host = obj && routeHostOf(this.kind, obj);
      if (!host) continue;
      const spec = specWithRoutes(host, rollout, [], 0);
      if (canonicalJson(spec) !== canonicalJson(host.spec))
        await mergePatch(this.kc, ref, { spec });
    }
  }

  /** Istio subset routing: the DestinationRule's subsets select the two ReplicaSets' pods. */
  private async labelSubsets(rollout: Rollout, target: WeightTarget): Promise<void> {
    const rule = rollout.spec.strategy?.canary?.trafficRouting?.istio?.destinationRule;
    if (this.kind.name !== 'istio' || !rule) return;
    const ref: ObjectRef = {
      apiVersion: 'networking.istio.io/v1beta1',
      plural: 'destinationrules',
      kind: 'DestinationRule',
      namespace: rollout.metadata.namespace ?? '',
      name: rule.name,
    };
    const obj = await this.get(ref);
    if (!obj)
      throw new RoutingError(
        `DestinationRule "${rule.name}" not found in namespace ${ref.namespace}`,
      );
    const hashFor = {
      [rule.canarySubsetName]: target.canaryHash,
      [rule.stableSubsetName]: target.stableHash,
    };
    await mergePatch(this.kc, ref, { spec: subsetSpec(obj, hashFor) });
  }

  /** For reading back: the cache once it has synced (writes wake the rollout again). */
  private async read(ref: ObjectRef): Promise<Obj | undefined> {
    const cached = this.cache?.lookup<Obj>(ref);
    return cached?.known ? cached.obj : this.get(ref);
  }

  /** For writing: the API server's current object, so a patch never builds on a stale copy. */
  private async get(ref: ObjectRef): Promise<Obj | undefined> {
    try {
      return await rawRequest<Obj>(this.kc, { method: 'GET', path: resourcePath(ref) });
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
  }
}

/** A DestinationRule spec whose named subsets select the given pod template hashes. */
function subsetSpec(obj: Obj, hashFor: Record<string, string>): Record<string, unknown> {
  const subsets = (
    (obj.spec?.subsets ?? []) as { name: string; labels?: Record<string, string> }[]
  ).map((s) => {
    const hash = hashFor[s.name];
    return hash ? { ...s, labels: { ...(s.labels ?? {}), [podTemplateHashLabel]: hash } } : s;
  });
  return { ...obj.spec, subsets };
}
