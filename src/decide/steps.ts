// Step arithmetic of a canary: which weight and canary scale are in force at a step index.
import type { CanaryStep } from '../api/rollout.js';

/** The canary's traffic weight in force at `index`: the last setWeight at or before it (0 if none). */
export function weightAt(steps: readonly CanaryStep[], index: number): number {
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const weight = steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

/** The setCanaryScale in force at `index`, unless a later setWeight reset it or matchTrafficWeight did. */
export function canaryScaleAt(
  steps: readonly CanaryStep[],
  index: number,
): { weight?: number; replicas?: number } | undefined {
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const scale = steps[i]?.setCanaryScale;
    if (scale) {
      if (scale.matchTrafficWeight) return undefined;
      return {
        ...(scale.weight !== undefined ? { weight: scale.weight } : {}),
        ...(scale.replicas !== undefined ? { replicas: scale.replicas } : {}),
      };
    }
  }
  return undefined;
}
