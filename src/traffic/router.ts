// One interface for every way of moving traffic between the stable and canary pods.
import type { Rollout } from '../api/rollout.js';

/** Pod template hashes of both sides, for routers that select pods directly (subsets). */
export interface WeightTarget {
  readonly weight: number;
  readonly canaryHash: string;
  readonly stableHash: string;
}

/** A traffic router: puts a canary weight in place and reads back what is in place. */
export interface TrafficRouter {
  /** Name in logs and conditions, e.g. "nginx". */
  readonly name: string;
  /** The canary weight in place now, or undefined when the routing objects are not set up yet. */
  readWeight(rollout: Rollout): number | undefined;
  /** Puts `weight` in place (creating the routing objects ramp manages when needed). */
  setWeight(rollout: Rollout, target: WeightTarget): Promise<void>;
}

/** A routing problem a person must fix (missing Ingress, wrong reference); no stack, no retry storm. */
export class RoutingError extends Error {
  override readonly name = 'RoutingError';
}
