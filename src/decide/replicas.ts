// Replica arithmetic of a canary. Without a traffic router the weight is approximated by the share
// of pods, moved in steps bounded by maxSurge (extra pods allowed) and maxUnavailable (pods allowed
// to be missing), like a Deployment's rolling update. With a router the canary is scaled to its
// share and the stable side keeps full size.
import { intOrPercentValue } from './validate-rollout.js';

/** A ReplicaSet's size as seen now. */
export interface SideState {
  /** spec.replicas of the ReplicaSet. */
  readonly spec: number;
  /** Pods ready for minReadySeconds. */
  readonly available: number;
}

/** Default of both maxSurge and maxUnavailable. */
export const defaultSurge = '25%';

/** maxSurge as a pod count (percentages round up, as Kubernetes does). */
export function surgeCount(value: number | string | undefined, replicas: number): number {
  return resolve(value ?? defaultSurge, replicas, Math.ceil);
}

/** maxUnavailable as a pod count (percentages round down, as Kubernetes does). */
export function unavailableCount(value: number | string | undefined, replicas: number): number {
  return resolve(value ?? defaultSurge, replicas, Math.floor);
}

function resolve(value: number | string, replicas: number, round: (n: number) => number): number {
  const n = intOrPercentValue(value) ?? 0;
  return typeof value === 'string' && value.trim().endsWith('%') ? round((replicas * n) / 100) : n;
}

/** Canary pods for a weight: the weight's share of replicas, at least one pod for any weight above 0. */
export function canaryReplicasForWeight(replicas: number, weight: number): number {
  if (weight <= 0) return 0;
  if (weight >= 100) return replicas;
  return Math.min(replicas, Math.max(1, Math.round((replicas * weight) / 100)));
}

/** The target sizes of both sides once a weight (or a canary scale override) is fully in place. */
export function targetReplicas(opts: {
  replicas: number;
  weight: number;
  trafficRouted: boolean;
  canaryScale?: { weight?: number; replicas?: number } | undefined;
}): { canary: number; stable: number } {
  const { replicas, weight } = opts;
  if (opts.trafficRouted) {
    const scale = opts.canaryScale;
    const canary = scale?.replicas ?? canaryReplicasForWeight(replicas, scale?.weight ?? weight);
    return { canary, stable: replicas };
  }
  const canary = canaryReplicasForWeight(replicas, weight);
  return { canary, stable: replicas - canary };
}

/**
 * The next sizes on the way to the target: sides that grow may use the surge budget
 * (replicas + maxSurge pods in all), sides that shrink may only remove pods while at least
 * replicas - maxUnavailable stay available (not-ready pods go first and cost nothing).
 */
export function nextReplicas(opts: {
  replicas: number;
  maxSurge: number;
  maxUnavailable: number;
  canary: SideState;
  stable: SideState;
  target: { canary: number; stable: number };
}): { canary: number; stable: number } {
  const next = { canary: opts.canary.spec, stable: opts.stable.spec };
  let surge = opts.replicas + opts.maxSurge - (next.canary + next.stable);
  for (const side of ['canary', 'stable'] as const) {
    const grow = Math.min(opts.target[side] - next[side], Math.max(0, surge));
    if (grow > 0) {
      next[side] += grow;
      surge -= grow;
    }
  }
  let spare = opts.canary.available + opts.stable.available - (opts.replicas - opts.maxUnavailable);
  for (const side of ['stable', 'canary'] as const) {
    const excess = next[side] - opts.target[side];
    if (excess <= 0) continue;
    const notReady = Math.max(0, opts[side].spec - opts[side].available);
    const shrink = Math.min(excess, notReady + Math.max(0, spare));
    next[side] -= shrink;
    spare -= Math.max(0, shrink - notReady);
  }
  return next;
}
