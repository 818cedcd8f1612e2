// Two controller replicas for one namespace: exactly one leads and acts; when it dies the other
// takes the Lease over and the rollout carries on; a clean stop hands the Lease over at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { rawRequest } from '../../src/kube/raw.js';
import { startController, type ControllerProcess } from '../support/controller.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
let a: ControllerProcess;
let b: ControllerProcess;

interface Lease {
  spec?: { holderIdentity?: string; leaseTransitions?: number };
}

const lease = async (): Promise<Lease | undefined> =>
  rawRequest<Lease>(ns.kc, {
    method: 'GET',
    path: `/apis/coordination.k8s.io/v1/namespaces/${ns.name}/leases/ramp-controller-lock`,
  }).catch(() => undefined);

const leads = (p: ControllerProcess): boolean => p.logs().includes('"became leader"');

beforeAll(async () => {
  await installRampCrds(ns.kc);
  a = startController(ns.name);
  await waitFor('a leads', () => leads(a));
  b = startController(ns.name);
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

describe('leader election', () => {
  it('one replica leads; when it dies the other takes over and the rollout carries on', async () => {
    expect((await lease())?.spec?.holderIdentity).toContain(`_${a.pid}_`);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(leads(b)).toBe(false);

    await rollouts.create(canaryRollout('web', 'web:1', [{ setWeight: 50 }, { pause: {} }], {}, 2));
    await rollouts.waitUntil('web', 'Healthy at v1', (r) => r.status?.phase === 'Healthy');
    // Only the leader reconciled.
    expect(b.logs()).not.toContain('"reconciled"');

    await a.kill();
    await waitFor('b leads', () => leads(b), { timeoutMs: 30_000 });
    expect((await lease())?.spec?.holderIdentity).toContain(`_${b.pid}_`);
    expect((await lease())?.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
    await rollouts.patchSpec('web', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'web:2' }] } } },
    });
    await rollouts.waitUntil(
      'web',
      'paused at 50% under the new leader',
      (r) => r.status?.phase === 'Paused',
    );
  });

  it('a clean stop gives the Lease up so a successor leads at once', async () => {
    a = startController(ns.name, ['--leader-election-lease-duration', '60s']);
    await b.stop();
    // Released (empty) — or already taken by `a`, which may have been quicker than this read.
    const holder = (await lease())?.spec?.holderIdentity ?? '';
    expect(holder === '' || holder.includes(`_${a.pid}_`)).toBe(true);
    // With a 60 s lease, only the hand-over lets `a` lead this soon.
    await waitFor('a leads after the hand-over', () => leads(a), { timeoutMs: 20_000 });
  });
});
