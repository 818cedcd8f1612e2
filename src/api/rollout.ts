// The Rollout kind, wire-compatible with Argo Rollouts argoproj.io/v1alpha1: field names, types
// and defaults as Argo documents them. Written from those facts; the CRD in crds/ is generated
// from these schemas.
import {
  Int32,
  Int64,
  IntOrString,
  LabelSelector,
  ListOf,
  OpaqueObject,
  PodTemplateMetadata,
  StringMap,
  Timestamp,
  Type,
  type Static,
  type TSchema,
} from './schema.js';

/** Shorthand: most Argo fields are optional. */
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

/** A matcher on a string: exactly one of exact, prefix or regex. */
export const StringMatch = Type.Object({
  exact: Opt(Type.String()),
  prefix: Opt(Type.String()),
  regex: Opt(Type.String()),
});

/** Argument passed to an AnalysisRun: a value, or a value taken from the pod template hash or a field. */
export const AnalysisRunArgument = Type.Object({
  name: Type.String(),
  value: Opt(Type.String()),
  valueFrom: Opt(
    Type.Object({
      podTemplateHashValue: Opt(Type.String({ enum: ['Stable', 'Latest'] })),
      fieldRef: Opt(Type.Object({ fieldPath: Type.String() })),
    }),
  ),
});

const analysisFields = {
  templates: Opt(
    ListOf(
      Type.Object({
        templateName: Opt(Type.String()),
        clusterScope: Opt(Type.Boolean()),
      }),
    ),
  ),
  args: Opt(ListOf(AnalysisRunArgument)),
  dryRun: Opt(ListOf(Type.Object({ metricName: Type.String() }))),
  measurementRetention: Opt(ListOf(Type.Object({ metricName: Type.String(), limit: Int32() }))),
  analysisRunMetadata: Opt(PodTemplateMetadata),
};

/** Analysis run from a step or around a blue-green promotion. */
export const RolloutAnalysis = Type.Object(analysisFields);

/** Background analysis of a canary, starting at a step. */
export const RolloutAnalysisBackground = Type.Object({
  ...analysisFields,
  startingStep: Opt(Int32()),
});

/** A pause: `duration` is seconds (int) or a Go duration string; absent = until promoted. */
export const RolloutPause = Type.Object({ duration: Opt(IntOrString()) });

/** Scale the canary independently of its traffic weight. */
export const SetCanaryScale = Type.Object({
  weight: Opt(Int32()),
  replicas: Opt(Int32()),
  matchTrafficWeight: Opt(Type.Boolean()),
});

/** Route requests with matching headers to the canary. */
export const SetHeaderRoute = Type.Object({
  name: Opt(Type.String()),
  match: Opt(
    ListOf(
      Type.Object({
        headerName: Type.String(),
        headerValue: StringMatch,
      }),
    ),
  ),
});

/** Mirror a share of matching requests to the canary. */
export const SetMirrorRoute = Type.Object({
  name: Type.String(),
  match: Opt(
    ListOf(
      Type.Object({
        method: Opt(StringMatch),
        path: Opt(StringMatch),
        headers: Opt(
          Type.Unsafe<Record<string, Static<typeof StringMatch>>>({
            type: 'object',
            additionalProperties: StringMatch,
          }),
        ),
      }),
    ),
  ),
  percentage: Opt(Int32()),
});

/** Experiment step: accepted for compatibility (ramp reports it as not supported yet). */
export const RolloutExperimentStep = Type.Object({
  templates: ListOf(
    Type.Object({
      name: Type.String(),
      specRef: Type.String(),
      replicas: Opt(Int32()),
      metadata: Opt(PodTemplateMetadata),
      selector: Opt(LabelSelector),
      weight: Opt(Int32()),
      service: Opt(OpaqueObject()),
    }),
  ),
  duration: Opt(Type.String()),
  analyses: Opt(
    ListOf(
      Type.Object({
        name: Type.String(),
        templateName: Type.String(),
        clusterScope: Opt(Type.Boolean()),
        args: Opt(ListOf(AnalysisRunArgument)),
        requiredForCompletion: Opt(Type.Boolean()),
      }),
    ),
  ),
  dryRun: Opt(ListOf(Type.Object({ metricName: Type.String() }))),
  analysisRunMetadata: Opt(PodTemplateMetadata),
});

/** One canary step. Exactly one key must be set (checked by validation, not expressible here). */
export const CanaryStep = Type.Object({
  setWeight: Opt(Int32()),
  pause: Opt(RolloutPause),
  experiment: Opt(RolloutExperimentStep),
  analysis: Opt(RolloutAnalysis),
  setCanaryScale: Opt(SetCanaryScale),
  setHeaderRoute: Opt(SetHeaderRoute),
  setMirrorRoute: Opt(SetMirrorRoute),
  plugin: Opt(OpaqueObject()),
});

/** Step names, in the order Argo lists them. */
export const canaryStepKinds = [
  'setWeight',
  'pause',
  'experiment',
  'analysis',
  'setCanaryScale',
  'setHeaderRoute',
  'setMirrorRoute',
  'plugin',
] as const;

const IstioVirtualService = Type.Object({
  name: Type.String(),
  routes: Opt(ListOf(Type.String())),
  tlsRoutes: Opt(ListOf(Type.Object({ port: Opt(Int64()), sniHosts: Opt(ListOf(Type.String())) }))),
  tcpRoutes: Opt(ListOf(Type.Object({ port: Opt(Int64()) }))),
});

/** Which routing objects carry the canary's traffic share. */
export const RolloutTrafficRouting = Type.Object({
  nginx: Opt(
    Type.Object({
      annotationPrefix: Opt(Type.String()),
      stableIngress: Opt(Type.String()),
      stableIngresses: Opt(ListOf(Type.String())),
      additionalIngressAnnotations: Opt(StringMap()),
      canaryIngressAnnotations: Opt(StringMap()),
    }),
  ),
  istio: Opt(
    Type.Object({
      virtualService: Opt(IstioVirtualService),
      virtualServices: Opt(ListOf(IstioVirtualService)),
      destinationRule: Opt(
        Type.Object({
          name: Type.String(),
          canarySubsetName: Type.String(),
          stableSubsetName: Type.String(),
        }),
      ),
    }),
  ),
  smi: Opt(
    Type.Object({
      rootService: Opt(Type.String()),
      trafficSplitName: Opt(Type.String()),
    }),
  ),
  traefik: Opt(Type.Object({ weightedTraefikServiceName: Type.String() })),
  // Routers ramp does not implement: accepted so manifests apply, reported as unsupported.
  alb: Opt(OpaqueObject()),
  ambassador: Opt(OpaqueObject()),
  appMesh: Opt(OpaqueObject()),
  apisix: Opt(OpaqueObject()),
  plugins: Opt(OpaqueObject<Record<string, unknown>>()),
  managedRoutes: Opt(ListOf(Type.Object({ name: Type.String() }))),
  maxTrafficWeight: Opt(Int32()),
});

const AntiAffinity = Type.Object({
  preferredDuringSchedulingIgnoredDuringExecution: Opt(
    Type.Object({ weight: Int32({ minimum: 1, maximum: 100 }) }),
  ),
  requiredDuringSchedulingIgnoredDuringExecution: Opt(Type.Object({})),
});

/** strategy.canary. */
export const CanaryStrategy = Type.Object({
  canaryService: Opt(Type.String()),
  stableService: Opt(Type.String()),
  steps: Opt(ListOf(CanaryStep)),
  trafficRouting: Opt(RolloutTrafficRouting),
  maxUnavailable: Opt(IntOrString()),
  maxSurge: Opt(IntOrString()),
  analysis: Opt(RolloutAnalysisBackground),
  antiAffinity: Opt(AntiAffinity),
  canaryMetadata: Opt(PodTemplateMetadata),
  stableMetadata: Opt(PodTemplateMetadata),
  scaleDownDelaySeconds: Opt(Int32()),
  scaleDownDelayRevisionLimit: Opt(Int32()),
  abortScaleDownDelaySeconds: Opt(Int32()),
  dynamicStableScale: Opt(Type.Boolean()),
  pingPong: Opt(Type.Object({ pingService: Type.String(), pongService: Type.String() })),
  minPodsPerReplicaSet: Opt(Int32()),
});

/** strategy.blueGreen. */
export const BlueGreenStrategy = Type.Object({
  activeService: Type.String(),
  previewService: Opt(Type.String()),
  previewReplicaCount: Opt(Int32()),
  autoPromotionEnabled: Opt(Type.Boolean()),
  autoPromotionSeconds: Opt(Int32()),
  maxUnavailable: Opt(IntOrString()),
  scaleDownDelaySeconds: Opt(Int32()),
  scaleDownDelayRevisionLimit: Opt(Int32()),
  abortScaleDownDelaySeconds: Opt(Int32()),
  prePromotionAnalysis: Opt(RolloutAnalysis),
  postPromotionAnalysis: Opt(RolloutAnalysis),
  antiAffinity: Opt(AntiAffinity),
  previewMetadata: Opt(PodTemplateMetadata),
  activeMetadata: Opt(PodTemplateMetadata),
});

/** Rollout.spec. */
export const RolloutSpec = Type.Object({
  replicas: Opt(Int32()),
  selector: Opt(LabelSelector),
  template: Opt(OpaqueObject()),
  workloadRef: Opt(
    Type.Object({
      apiVersion: Opt(Type.String()),
      kind: Opt(Type.String()),
      name: Opt(Type.String()),
      scaleDown: Opt(Type.String({ enum: ['never', 'onsuccess', 'progressively'] })),
    }),
  ),
  minReadySeconds: Opt(Int32()),
  rollbackWindow: Opt(Type.Object({ revisions: Opt(Int32()) })),
  strategy: Opt(
    Type.Object({
      canary: Opt(CanaryStrategy),
      blueGreen: Opt(BlueGreenStrategy),
    }),
  ),
  revisionHistoryLimit: Opt(Int32()),
  paused: Opt(Type.Boolean()),
  progressDeadlineSeconds: Opt(Int32()),
  progressDeadlineAbort: Opt(Type.Boolean()),
  restartAt: Opt(Timestamp()),
  analysis: Opt(
    Type.Object({
      successfulRunHistoryLimit: Opt(Int32()),
      unsuccessfulRunHistoryLimit: Opt(Int32()),
    }),
  ),
});

/** A pause the controller or a step put in place. */
export const PauseCondition = Type.Object({
  reason: Type.String(),
  startTime: Timestamp(),
});

/** A standard condition. */
export const RolloutCondition = Type.Object({
  type: Type.String(),
  status: Type.String(),
  lastUpdateTime: Timestamp(),
  lastTransitionTime: Timestamp(),
  reason: Type.String(),
  message: Type.String(),
});

const AnalysisRunStatusRef = Type.Object({
  name: Type.String(),
  status: Type.String(),
  message: Opt(Type.String()),
});

const WeightDestination = Type.Object({
  weight: Int32(),
  serviceName: Opt(Type.String()),
  podTemplateHash: Opt(Type.String()),
});

/** Rollout.status, as Argo writes it (observedGeneration is a string). */
export const RolloutStatus = Type.Object({
  abort: Opt(Type.Boolean()),
  abortedAt: Opt(Timestamp()),
  pauseConditions: Opt(ListOf(PauseCondition)),
  controllerPause: Opt(Type.Boolean()),
  promoteFull: Opt(Type.Boolean()),
  currentPodHash: Opt(Type.String()),
  currentStepHash: Opt(Type.String()),
  currentStepIndex: Opt(Int32()),
  collisionCount: Opt(Int32()),
  stableRS: Opt(Type.String()),
  replicas: Opt(Int32()),
  updatedReplicas: Opt(Int32()),
  readyReplicas: Opt(Int32()),
  availableReplicas: Opt(Int32()),
  HPAReplicas: Opt(Int32()),
  selector: Opt(Type.String()),
  observedGeneration: Opt(Type.String()),
  workloadObservedGeneration: Opt(Type.String()),
  conditions: Opt(ListOf(RolloutCondition)),
  phase: Opt(Type.String({ enum: ['Healthy', 'Progressing', 'Paused', 'Degraded'] })),
  message: Opt(Type.String()),
  restartedAt: Opt(Timestamp()),
  canary: Opt(
    Type.Object({
      currentStepAnalysisRunStatus: Opt(AnalysisRunStatusRef),
      currentBackgroundAnalysisRunStatus: Opt(AnalysisRunStatusRef),
      currentExperiment: Opt(Type.String()),
      stablePingPong: Opt(Type.String()),
      weights: Opt(
        Type.Object({
          canary: WeightDestination,
          stable: WeightDestination,
          additional: Opt(ListOf(WeightDestination)),
          verified: Opt(Type.Boolean()),
        }),
      ),
    }),
  ),
  blueGreen: Opt(
    Type.Object({
      activeSelector: Opt(Type.String()),
      previewSelector: Opt(Type.String()),
      scaleUpPreviewCheckPoint: Opt(Type.Boolean()),
      prePromotionAnalysisRunStatus: Opt(AnalysisRunStatusRef),
      postPromotionAnalysisRunStatus: Opt(AnalysisRunStatusRef),
    }),
  ),
  alb: Opt(OpaqueObject()),
  albs: Opt(ListOf(OpaqueObject())),
});

/** Rollout.spec as TypeScript sees it. */
export type RolloutSpec = Static<typeof RolloutSpec>;
/** Rollout.status as TypeScript sees it. */
export type RolloutStatus = Static<typeof RolloutStatus>;
/** One canary step. */
export type CanaryStep = Static<typeof CanaryStep>;
/** strategy.canary. */
export type CanaryStrategy = Static<typeof CanaryStrategy>;
/** A Rollout condition. */
export type RolloutCondition = Static<typeof RolloutCondition>;

/** A Rollout object. */
export interface Rollout {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'Rollout';
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  spec: RolloutSpec;
  status?: RolloutStatus;
}
