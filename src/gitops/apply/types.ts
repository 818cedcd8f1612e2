// The contract of the apply engine: what it is asked to do and what it reports per object.
import type { ObjectRef } from '../../decide/gitops/objects.js';

/** How one apply runs. */
export interface ApplyOptions {
  /** `detect` (selfHeal off) only dry-runs: it reports drift and changes nothing. */
  readonly mode: 'apply' | 'detect';
  /** Added to every object's metadata.labels (who owns it). */
  readonly labels: Record<string, string>;
  /** Namespaced objects without a namespace get `default`; `override` replaces every one. */
  readonly namespace: { readonly default: string; readonly override?: string | undefined };
  /** Requests in flight at once (8 when unset). */
  readonly concurrency?: number | undefined;
  /** The whole apply, including waiting for CRDs to be Established and Namespaces Active. */
  readonly timeoutMs: number;
}

/** What happened to one object. */
export type ObjectAction =
  'created' | 'configured' | 'unchanged' | 'skipped' | 'drifted' | 'missing' | 'failed';

/** The outcome for one object. */
export interface ObjectResult {
  /** The object's identity as applied (its final namespace). */
  readonly ref: ObjectRef;
  readonly action: ObjectAction;
  /** Why it failed, was skipped or drifted (the API server's message for failures). */
  readonly message?: string;
  /** The live object after this apply, so health can be read without another GET. */
  readonly live?: Record<string, unknown>;
}

/** The outcome of one apply, results in the order of the input objects. */
export interface ApplyReport {
  readonly results: ObjectResult[];
  /** Objects that failed. */
  readonly failed: number;
  /** Objects created or configured. */
  readonly changed: number;
}
