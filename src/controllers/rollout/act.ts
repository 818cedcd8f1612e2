// Act: carries out a plan's actions. No decisions here: each action says exactly what to write.
import type { KubeConfig } from '@kubernetes/client-node';

import type { Rollout } from '../../api/rollout.js';
import { podTemplateHashLabel } from '../../decide/hash.js';
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
  for (const action of actions) {
    switch (action.kind) {
      case 'createReplicaSet':
        await createIfAbsent(kc, 'replicasets', replicaSetBody(rollout, action));
        break;
      case 'scaleReplicaSet':
        await scale(kc, rollout, action);
        break;
      case 'deleteReplicaSet':
        await deleteIfPresent(kc, {
          apiVersion: 'apps/v1',
          plural: 'replicasets',
          namespace: ns(rollout),
          name: action.name,
        });
        break;
      case 'scaleWorkload':
        await mergePatch(
          kc,
          {
            apiVersion: 'apps/v1',
            plural: 'deployments',
            namespace: ns(rollout),
            name: action.name,
          },
          { spec: { replicas: action.replicas } },
        );
        break;
      case 'setServiceSelector':
        await mergePatch(
          kc,
          { apiVersion: 'v1', plural: 'services', namespace: ns(rollout), name: action.service },
          {
            spec: { selector: { [podTemplateHashLabel]: action.podHash } },
          },
        );
        break;
      case 'setWeight':
        await router?.setWeight(rollout, action);
        break;
      case 'event':
        await recordEvent(
          kc,
          {
            apiVersion: rollout.apiVersion,
            kind: 'Rollout',
            namespace: ns(rollout),
            name: rollout.metadata.name,
            uid: rollout.metadata.uid,
          },
          action,
        );
        break;
    }
  }
}

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
