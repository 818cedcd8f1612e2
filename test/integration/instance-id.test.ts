// --instance-id: a controller handles only Rollouts labelled with its id; one without the flag
// handles only unlabelled Rollouts (Argo's partitioning).
import { describe, expect, it } from 'vitest';

import { startController, useController } from '../support/controller.js';
import { useTestNamespace } from '../support/namespace.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
const label = 'argo-rollouts.argoproj.io/controller-instance-id';
useController(ns, ['--instance-id', 'blue']);

const labelled = (name: string, id: string) => {
  const body = canaryRollout(name, `${name}:1`, [{ setWeight: 50 }], {}, 1);
  return { ...body, metadata: { ...body.metadata, labels: { [label]: id } } };
};

describe('--instance-id', () => {
  it('handles only its own Rollouts', async () => {
    await rollouts.create(labelled('mine', 'blue'));
    await rollouts.create(labelled('theirs', 'green'));
    await rollouts.create(canaryRollout('unlabelled', 'u:1', [{ setWeight: 50 }], {}, 1));
    await waitFor(
      'mine Healthy',
      async () => (await rollouts.get('mine')).status?.phase === 'Healthy',
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await rollouts.get('theirs')).status).toBeUndefined();
    expect((await rollouts.get('unlabelled')).status).toBeUndefined();

    const plain = startController(ns.name);
    try {
      await waitFor(
        'unlabelled Healthy',
        async () => (await rollouts.get('unlabelled')).status?.phase === 'Healthy',
      );
      expect((await rollouts.get('theirs')).status).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });
});
