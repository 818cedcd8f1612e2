// Condition types, reasons, pause reasons, phases and message formats of the Rollout, with the
// exact strings Argo Rollouts writes, so dashboards, alerts and `kubectl argo rollouts` read
// ramp's status unchanged.

/** Rollout condition types. */
export const ConditionType = {
  InvalidSpec: 'InvalidSpec',
  Available: 'Available',
  Progressing: 'Progressing',
  ReplicaFailure: 'ReplicaFailure',
  Paused: 'Paused',
  Completed: 'Completed',
  Healthy: 'Healthy',
} as const;

/** Condition and Event reasons. */
export const Reason = {
  InvalidSpec: 'InvalidSpec',
  Available: 'AvailableReason',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  FailedRSCreate: 'ReplicaSetCreateError',
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  RolloutUpdated: 'RolloutUpdated',
  RolloutCompleted: 'RolloutCompleted',
  RolloutNotCompleted: 'RolloutNotCompleted',
  RolloutHealthy: 'RolloutHealthy',
  RolloutAborted: 'RolloutAborted',
  RolloutRetry: 'RolloutRetry',
  RolloutPaused: 'RolloutPaused',
  RolloutResumed: 'RolloutResumed',
  ReplicaSetNotAvailable: 'ReplicaSetNotAvailable',
  RolloutStepCompleted: 'RolloutStepCompleted',
  TrafficWeightUpdated: 'TrafficWeightUpdated',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  AnalysisRunFailed: 'AnalysisRunFailed',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  RolloutDeleted: 'RolloutDeleted',
  ScalingReplicaSet: 'ScalingReplicaSet',
  ServiceReferenceError: 'ServiceReferenceError',
  WeightVerifyError: 'WeightVerifyError',
} as const;

/** Why a rollout is paused (status.pauseConditions[].reason). */
export const PauseReason = {
  CanaryPauseStep: 'CanaryPauseStep',
  BlueGreenPause: 'BlueGreenPause',
  InconclusiveAnalysisRun: 'InconclusiveAnalysisRun',
  InconclusiveExperiment: 'InconclusiveExperiment',
} as const;

/** status.phase values. */
export const Phase = {
  Healthy: 'Healthy',
  Progressing: 'Progressing',
  Paused: 'Paused',
  Degraded: 'Degraded',
} as const;

/** One of the phase values. */
export type Phase = (typeof Phase)[keyof typeof Phase];

/** Spec validation messages (Argo's wording where Argo has one). */
export const InvalidSpecMessage = {
  missingField: (field: string) => `Rollout has missing field '${field}'`,
  emptySelector: 'This rollout is selecting all pods. A non-empty selector is required.',
  selectorMismatch: '`selector` does not match template `labels`',
  templateWithWorkloadRef: 'template must be empty for workload reference rollout',
  negative: 'must be greater than or equal to 0',
  deadlineNotAfterMinReady: 'must be greater than minReadySeconds',
  multipleStrategies: 'Multiple Strategies can not be listed',
  maxSurgeAndUnavailableZero: 'MaxSurge and MaxUnavailable both can not be zero',
  invalidIntOrPercent: 'must be an integer or a percentage such as "25%"',
  duplicatedCanaryServices:
    'This rollout uses the same service for the stable and canary services, but two different services are required.',
  duplicatedBlueGreenServices:
    'This rollout uses the same service for the active and preview services, but two different services are required.',
  trafficRoutingNeedsServices:
    'Canary service and Stable service must to be set to use Traffic Routing',
  scaleDownDelayNeedsRouting: 'Canary scaleDownDelaySeconds can only be used with traffic routing',
  dynamicStableScaleNeedsRouting: 'Canary dynamicStableScale can only be used with traffic routing',
  dynamicStableScaleWithDelay:
    'Canary dynamicStableScale cannot be used with scaleDownDelaySeconds',
  noStepKey:
    'Step must have one of the following set: experiment, setWeight, setCanaryScale or pause',
  manyStepKeys: (keys: readonly string[]) =>
    `Step must have exactly one of its actions set, found ${keys.join(', ')}: give each its own step`,
  setWeightRange: (max: number) => `SetWeight needs to be between 0 and ${max}`,
  invalidDuration: 'Duration needs to be greater than 0',
  setCanaryScaleNeedsRouting: 'SetCanaryScale requires TrafficRouting to be set',
  setHeaderRouteNeedsRouting:
    'SetHeaderRoute requires TrafficRouting, supports Istio and the Gateway API plugin',
  setMirrorRouteNeedsRouting:
    'SetMirrorRoute requires TrafficRouting, supports Istio and the Gateway API plugin',
  managedRoutesMissing:
    "Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes'",
  routeNotManaged:
    'Steps define a route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes',
  stringMatchOneOf:
    'StringMatch match value must have exactly one of the following: exact, regex, prefix',
  antiAffinityOneOf: 'AntiAffinity must have exactly one strategy listed',
  analysisNeedsTemplate: 'An analysis must name at least one template (templateName)',
  scaleDownLimitAboveHistory:
    "This rollout's revision history limit can not be smaller than the rollout's scale down limit",
  unsupported: (what: string) => `${what} is not supported by ramp yet`,
  invalid: (name: string, errors: string) => `The Rollout "${name}" is invalid: ${errors}`,
} as const;
