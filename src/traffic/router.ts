// One interface for every way of moving traffic between the stable and canary pods.
import type { Rollout } from '../api/rollout.js';
import type { ManagedRoute, RouteHost } from '../decide/managed-routes.js';

/** Pod template hashes of both sides, for routers that select pods directly (subsets). */
export interface WeightTarget {
  readonly weight: number;
  readonly canaryHash: string;
  readonly stableHash: string;
  /** The header and mirror routes in force (empty: none; routers without them ignore this). */
  readonly routes: readonly ManagedRoute[];
}

/** A traffic router: puts a canary weight in place and reads back what is in place. */
export interface TrafficRouter {
  /** Name in logs and conditions, e.g. "nginx". */
  readonly name: string;
  /** The canary weight in place now, or undefined when the routing objects are not set up yet. */
  readWeight(rollout: Rollout): Promise<number | undefined>;
  /** Puts `weight` in place (creating the routing objects ramp manages when needed). */
  setWeight(rollout: Rollout, target: WeightTarget): Promise<void>;
  /** The routing objects that carry header and mirror routes, as they are now. */
  readRouteHosts(rollout: Rollout): Promise<RouteHost[]>;
  /** Takes ramp's header and mirror routes out of the routing objects (the Rollout is gone). */
  removeRoutes(rollout: Rollout): Promise<void>;
}

/** A routing problem a person must fix (missing Ingress, wrong reference); no stack, no retry storm. */
export class RoutingError extends Error {
  override readonly name = 'RoutingError';
}

/** Several routers at once (e.g. NGINX in front, SMI inside): all get the weight; it is in place when all agree. */
export class CompositeRouter implements TrafficRouter {
  readonly name: string;

  constructor(private readonly routers: readonly TrafficRouter[]) {
    this.name = routers.map((r) => r.name).join('+');
  }

  async readWeight(rollout: Rollout): Promise<number | undefined> {
    const weights = await Promise.all(this.routers.map((r) => r.readWeight(rollout)));
    return weights.every((w) => w === weights[0]) ? weights[0] : undefined;
  }

  async setWeight(rollout: Rollout, target: WeightTarget): Promise<void> {
    for (const router of this.routers) await router.setWeight(rollout, target);
  }

  async readRouteHosts(rollout: Rollout): Promise<RouteHost[]> {
    const hosts = await Promise.all(this.routers.map((r) => r.readRouteHosts(rollout)));
    return hosts.flat();
  }

  async removeRoutes(rollout: Rollout): Promise<void> {
    for (const router of this.routers) await router.removeRoutes(rollout);
  }
}
