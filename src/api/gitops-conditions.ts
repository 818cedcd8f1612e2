// Condition types, reasons, annotations and labels of the GitOps kinds. Types and most reasons
// are the ones Flux users already alert on (Ready / Reconciling / Stalled, ReconciliationFailed,
// ArtifactFailed, …), so existing dashboards read ramp's status unchanged.

/** The GitOps API group and version. */
export const gitopsGroup = 'ramp.dev';
/** Version of the GitOps kinds. */
export const gitopsVersion = 'v1alpha1';
/** apiVersion of GitRepository and GitSync. */
export const gitopsApiVersion = `${gitopsGroup}/${gitopsVersion}`;

/** Condition types of GitRepository and GitSync. */
export const GitOpsConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  Healthy: 'Healthy',
} as const;

/** Condition and Event reasons of GitRepository and GitSync. */
export const GitOpsReason = {
  Succeeded: 'Succeeded',
  Progressing: 'Progressing',
  Suspended: 'Suspended',
  InvalidSpec: 'InvalidSpec',
  AuthenticationFailed: 'AuthenticationFailed',
  GitOperationFailed: 'GitOperationFailed',
  RefNotFound: 'RefNotFound',
  NewRevision: 'NewRevision',
  ReconciliationSucceeded: 'ReconciliationSucceeded',
  ReconciliationFailed: 'ReconciliationFailed',
  ArtifactFailed: 'ArtifactFailed',
  BuildFailed: 'BuildFailed',
  ApplyFailed: 'ApplyFailed',
  PruneFailed: 'PruneFailed',
  PruneRefused: 'PruneRefused',
  HealthCheckFailed: 'HealthCheckFailed',
  HealthCheckPending: 'HealthCheckPending',
  Healthy: 'Healthy',
  Degraded: 'Degraded',
  HealthUnknown: 'HealthUnknown',
  ArtifactStored: 'ArtifactStored',
  DependencyNotReady: 'DependencyNotReady',
  SyncWindowClosed: 'SyncWindowClosed',
  DriftDetected: 'DriftDetected',
  DriftCorrected: 'DriftCorrected',
  Pruned: 'Pruned',
} as const;

/** Annotations users put on GitOps objects or on the manifests in Git. */
export const GitOpsAnnotation = {
  /** On GitRepository or GitSync: any new value asks for a reconcile now. */
  reconcileRequestedAt: 'ramp.dev/reconcile-requested-at',
  /** On a manifest (or its live object): `disabled` leaves the object alone. */
  reconcile: 'ramp.dev/reconcile',
  /** On a manifest: `IfNotPresent` creates the object once and never updates it. */
  ssa: 'ramp.dev/ssa',
  /** On a manifest: `disabled` keeps the object when it leaves Git. */
  prune: 'ramp.dev/prune',
} as const;

/** Values of the opt-out annotations. */
export const GitOpsAnnotationValue = {
  disabled: 'disabled',
  ifNotPresent: 'IfNotPresent',
} as const;

/** Labels ramp puts on every object a GitSync applies (who owns it). */
export const GitOpsLabel = {
  name: 'gitsync.ramp.dev/name',
  namespace: 'gitsync.ramp.dev/namespace',
} as const;
