// Act: carries out a plan's actions. No decisions here: each action says exactly what to write.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import type { Rollout } from '../../api/rollout.js';
import { podTemplateHashLabel } from '../../decide/hash.js';
import { managedByAnnotation } from '../../decide/plan-common.js';
import type { RolloutAction } from '../../decide/rollout-plan.js';
import { createIfAbsent, deleteIfPresent, mergePatch, recordEvent } from '../../kube/rollout-io.js';
import type { TrafficRouter } from '../../traffic/router.js';
import { ownerReference } from '../../traffic/nginx.js';
import { revisionAnnotation, scaleDownDeadlineAnnotation } from './observe.js';

type Action<K extends RolloutAction['kind']> = Extract<RolloutAction, { kind: K }>;

/** Executes the actions in order; the first failure stops the pass (the next one starts over). */
export async function act(
  kc: KubeConfig,
  rollout: Rollout,
  actions: readonly RolloutAction[],
  router: TrafficRouter | undefined,
): Promise<void> {
  const ctx: ActContext = { kc, rollout, router };
  for (const action of actions)
    await (handlers[action.kind] as Handler<typeof action.kind>)(ctx, action);
}

interface ActContext {
  readonly kc: KubeConfig;
  readonly rollout: Rollout;
  readonly router: TrafficRouter | undefined;
}

type Handler<K extends RolloutAction['kind']> = (
  ctx: ActContext,
  action: Action<K>,
) => Promise<void>;

const ref = (ctx: ActContext, apiVersion: string, plural: string, name: string) => ({
  apiVersion,
  plural,
  namespace: ns(ctx.rollout),
  name,
});

/** One writer per action kind. */
const handlers: { [K in RolloutAction['kind']]: Handler<K> } = {
  createReplicaSet: (ctx, a) =>
    createIfAbsent(ctx.kc, 'replicasets', replicaSetBody(ctx.rollout, a)),
  scaleReplicaSet: (ctx, a) => scale(ctx.kc, ctx.rollout, a),
  setRevision: async (ctx, a) => {
    await mergePatch(ctx.kc, ref(ctx, 'apps/v1', 'replicasets', a.name), {
      metadata: { annotations: { [revisionAnnotation]: String(a.revision) } },
    });
  },
  deleteReplicaSet: (ctx, a) => deleteIfPresent(ctx.kc, ref(ctx, 'apps/v1', 'replicasets', a.name)),
  deletePod: (ctx, a) => deleteIfPresent(ctx.kc, ref(ctx, 'v1', 'pods', a.name)),
  scaleWorkload: async (ctx, a) => {
    await mergePatch(ctx.kc, ref(ctx, 'apps/v1', 'deployments', a.name), {
      spec: { replicas: a.replicas },
    });
  },
  setServiceSelector: async (ctx, a) => {
    await mergePatch(ctx.kc, ref(ctx, 'v1', 'services', a.service), {
      metadata: { annotations: { [managedByAnnotation]: ctx.rollout.metadata.name } },
      spec: { selector: { [podTemplateHashLabel]: a.podHash } },
    });
  },
  createAnalysisRun: (ctx, a) =>
    createIfAbsent(ctx.kc, 'analysisruns', {
      ...a.run,
      metadata: { ...a.run.metadata, ownerReferences: [ownerReference(ctx.rollout)] },
    } as unknown as KubernetesObject),
  terminateAnalysisRun: async (ctx, a) => {
    await mergePatch(ctx.kc, ref(ctx, 'argoproj.io/v1alpha1', 'analysisruns', a.name), {
      spec: { terminate: true },
    });
  },
  deleteAnalysisRun: (ctx, a) =>
    deleteIfPresent(ctx.kc, ref(ctx, 'argoproj.io/v1alpha1', 'analysisruns', a.name)),
  setWeight: async (ctx, a) => {
    await ctx.router?.setWeight(ctx.rollout, a);
  },
  event: (ctx, a) =>
    recordEvent(
      ctx.kc,
      {
        apiVersion: ctx.rollout.apiVersion,
        kind: 'Rollout',
        namespace: ns(ctx.rollout),
        name: ctx.rollout.metadata.name,
        uid: ctx.rollout.metadata.uid,
      },
      a,
    ),
};

function ns(rollout: Rollout): string {
  return rollout.metadata.namespace ?? '';
}

async function scale(
  kc: KubeConfig,
  rollout: Rollout,
  action: Action<'scaleReplicaSet'>,
): Promise<void> {
  const annotations =
    action.scaleDownDeadline === undefined
      ? {}
      : { metadata: { annotations: { [scaleDownDeadlineAnnotation]: action.scaleDownDeadline } } };
  await mergePatch(
    kc,
    { apiVersion: 'apps/v1', plural: 'replicasets', namespace: ns(rollout), name: action.name },
    {
      ...annotations,
      spec: { replicas: action.replicas },
    },
  );
}

/** The ReplicaSet of one template: the Rollout's selector and template plus the hash label. */
function replicaSetBody(rollout: Rollout, action: Action<'createReplicaSet'>) {
  const template = action.template as {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: unknown;
  };
  const labels = { ...(template.metadata?.labels ?? {}), [podTemplateHashLabel]: action.podHash };
  const selector = rollout.spec.selector ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: action.name,
      namespace: ns(rollout),
      labels,
      annotations: { [revisionAnnotation]: String(action.revision) },
      ownerReferences: [ownerReference(rollout)],
    },
    spec: {
      replicas: action.replicas,
      minReadySeconds: rollout.spec.minReadySeconds ?? 0,
      selector: {
        ...selector,
        matchLabels: { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: action.podHash },
      },
      template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
    },
  };
}

/** Takes a deleted Rollout's pod-template-hash selector and managed-by mark off a Service. */
export async function releaseService(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<void> {
  await mergePatch(
    kc,
    { apiVersion: 'v1', plural: 'services', namespace, name },
    {
      metadata: { annotations: { [managedByAnnotation]: null } },
      spec: { selector: { [podTemplateHashLabel]: null } },
    },
  );
}
