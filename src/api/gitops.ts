// GitRepository (where the desired state lives) and GitSync (what of it to apply, and how), ramp's
// own GitOps kinds in ramp.dev/v1alpha1. Field names follow what Flux users know (interval,
// sourceRef, prune, dependsOn, inventory) where the meaning is the same. The CRDs in crds/ are
// generated from these schemas.
import { ListOf, Timestamp, Type, type Static, type TSchema } from './schema.js';

const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

/** Go-style duration ("30s", "5m", "1h30m"), as Flux and Argo write them. */
const Duration = (description: string, defaultValue?: string) =>
  Type.String({
    pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$',
    description,
    ...(defaultValue ? { default: defaultValue } : {}),
  });

/** A standard Kubernetes condition (metav1.Condition). */
export const GitOpsCondition = Type.Object({
  type: Type.String(),
  status: Type.String({ enum: ['True', 'False', 'Unknown'] }),
  reason: Type.String(),
  message: Type.String(),
  lastTransitionTime: Timestamp(),
  observedGeneration: Opt(Type.Integer({ format: 'int64' })),
});

/** Which commit of the repository to follow; precedence commit > semver > tag > branch. */
export const GitRepositoryRef = Type.Object({
  branch: Opt(
    Type.String({ description: 'Branch to follow; the remote HEAD when no ref is set.' }),
  ),
  tag: Opt(Type.String()),
  semver: Opt(Type.String({ description: 'Semver range; the highest matching tag wins.' })),
  commit: Opt(Type.String({ pattern: '^[0-9a-f]{40}$', description: 'Full commit SHA-1.' })),
});

/** GitRepository spec. */
export const GitRepositorySpec = Type.Object({
  url: Type.String({
    pattern: '^(https?|ssh|file|git)://.+$',
    description: 'Repository URL: https://, ssh://, or file:// and git:// for tests.',
  }),
  ref: Opt(GitRepositoryRef),
  interval: Duration('How often to look for a new revision.', '1m'),
  timeout: Duration('Time limit of one fetch (ls-remote or fetch).', '60s'),
  secretRef: Opt(
    Type.Object(
      { name: Type.String({ minLength: 1 }) },
      {
        description:
          'Secret with username+password or bearerToken (https), or identity+known_hosts (ssh).',
      },
    ),
  ),
  webhookSecretRef: Opt(
    Type.Object(
      { name: Type.String({ minLength: 1 }) },
      { description: 'Secret whose `token` key signs webhook calls to /hooks/NAMESPACE/NAME.' },
    ),
  ),
  suspend: Opt(Type.Boolean()),
});

/** The fetched content: which commit, and a digest of its files. */
export const GitArtifact = Type.Object({
  revision: Type.String({ description: '<ref>@sha1:<sha>' }),
  digest: Type.String({ description: 'sha256:<hex> of the checked-out files.' }),
  lastUpdateTime: Timestamp(),
});

/** GitRepository status. */
export const GitRepositoryStatus = Type.Object({
  observedGeneration: Opt(Type.Integer({ format: 'int64' })),
  conditions: Opt(ListOf(GitOpsCondition)),
  artifact: Opt(GitArtifact),
  lastFetchTime: Opt(Timestamp()),
  lastHandledReconcileAt: Opt(Type.String()),
});

/** A time window in which syncing is allowed or denied. */
export const SyncWindow = Type.Object({
  kind: Type.String({ enum: ['allow', 'deny'] }),
  schedule: Type.String({ description: '5-field cron expression: when the window opens.' }),
  duration: Duration('How long the window stays open.'),
  timeZone: Opt(Type.String({ description: 'IANA time zone of the schedule; UTC by default.' })),
  manualSync: Opt(
    Type.Boolean({ description: 'A requested reconcile (annotation) may run inside this window.' }),
  ),
});

/** A GitSync this one waits for. */
export const GitSyncDependency = Type.Object({
  name: Type.String({ minLength: 1 }),
  namespace: Opt(Type.String()),
});

/** GitSync spec. */
export const GitSyncSpec = Type.Object({
  sourceRef: Type.Object({
    kind: Type.String({ enum: ['GitRepository'], default: 'GitRepository' }),
    name: Type.String({ minLength: 1 }),
    namespace: Opt(Type.String()),
  }),
  path: Type.String({ default: './', description: 'Folder in the repository to render.' }),
  interval: Duration('How often to reconcile.', '5m'),
  retryInterval: Opt(Duration('Requeue after a failure; the interval when unset.')),
  timeout: Duration('Time limit of render, apply and health wait.', '5m'),
  targetNamespace: Opt(Type.String({ description: 'Namespace for namespaced objects.' })),
  prune: Type.Boolean({ default: false }),
  selfHeal: Type.Boolean({
    default: true,
    description: 'Revert drift; when false drift is only detected and reported.',
  }),
  wait: Type.Boolean({
    default: false,
    description: 'Ready only once every applied object is healthy.',
  }),
  dependsOn: Opt(ListOf(GitSyncDependency)),
  syncWindows: Opt(ListOf(SyncWindow)),
  suspend: Opt(Type.Boolean()),
  serviceAccountName: Opt(Type.String({ description: 'Apply as this account (impersonation).' })),
  allowEmpty: Opt(
    Type.Boolean({ description: 'Allow an empty render (or a gone source) to prune everything.' }),
  ),
});

/** One object GitSync applied, as recorded in its inventory. */
export const InventoryEntry = Type.Object({
  apiVersion: Type.String(),
  kind: Type.String(),
  namespace: Opt(Type.String()),
  name: Type.String(),
});

/** One reconcile attempt, kept in status.history (newest first). */
export const SyncHistoryEntry = Type.Object({
  revision: Type.String(),
  digest: Opt(Type.String()),
  startedAt: Timestamp(),
  durationSeconds: Type.Number(),
  result: Type.String({ enum: ['Succeeded', 'Failed'] }),
  message: Opt(Type.String()),
});

/** GitSync status. */
export const GitSyncStatus = Type.Object({
  observedGeneration: Opt(Type.Integer({ format: 'int64' })),
  conditions: Opt(ListOf(GitOpsCondition)),
  inventory: Opt(ListOf(InventoryEntry)),
  lastAppliedRevision: Opt(Type.String()),
  lastAttemptedRevision: Opt(Type.String()),
  lastAppliedDigest: Opt(Type.String()),
  lastAppliedTime: Opt(Timestamp()),
  lastSyncTime: Opt(
    Timestamp({ description: 'When the last full sync (apply or drift check) ran.' }),
  ),
  lastHandledReconcileAt: Opt(Type.String()),
  drift: Opt(
    ListOf(InventoryEntry, { description: 'Objects that differ from Git (selfHeal off).' }),
  ),
  history: Opt(ListOf(SyncHistoryEntry)),
});

/** GitRepository spec, as TypeScript. */
export type GitRepositorySpec = Static<typeof GitRepositorySpec>;
/** GitRepository status, as TypeScript. */
export type GitRepositoryStatus = Static<typeof GitRepositoryStatus>;
/** GitSync spec, as TypeScript. */
export type GitSyncSpec = Static<typeof GitSyncSpec>;
/** GitSync status, as TypeScript. */
export type GitSyncStatus = Static<typeof GitSyncStatus>;
/** A condition on a GitOps kind. */
export type GitOpsCondition = Static<typeof GitOpsCondition>;
/** A GitRepository ref, as TypeScript. */
export type GitRepositoryRef = Static<typeof GitRepositoryRef>;
/** A dependsOn entry, as TypeScript. */
export type GitSyncDependency = Static<typeof GitSyncDependency>;
/** A sync window, as TypeScript. */
export type SyncWindow = Static<typeof SyncWindow>;
/** An inventory entry, as TypeScript. */
export type InventoryEntry = Static<typeof InventoryEntry>;
/** A history entry, as TypeScript. */
export type SyncHistoryEntry = Static<typeof SyncHistoryEntry>;

/** A GitRepository object. */
export interface GitRepository {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec: GitRepositorySpec;
  status?: GitRepositoryStatus;
}

/** A GitSync object. */
export interface GitSync {
  apiVersion?: string;
  kind?: string;
  metadata: GitRepository['metadata'];
  spec: GitSyncSpec;
  status?: GitSyncStatus;
}
