// The running controller's /metrics, scraped by a real Prometheus: rollout_phase follows the
// Rollout (Completed, then Abort), the work-queue and process metrics are there, and /healthz and
// /readyz answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../../src/local/ports.js';
import { startController, type ControllerProcess } from '../support/controller.js';
import { installRampCrds } from '../support/crds.js';
import { useTestNamespace } from '../support/namespace.js';
import { startScrapingPrometheus, type ScrapingPrometheus } from '../support/prometheus-scrape.js';
import { canaryRollout, rolloutClient } from '../support/rollouts.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const rollouts = rolloutClient(ns.kc, ns.name);
let controller: ControllerProcess;
let prometheus: ScrapingPrometheus;
let port: number;

/** The value of an instant query's single series, or undefined. */
async function value(expr: string): Promise<number | undefined> {
  const answer = await prometheus.query(expr);
  const first = answer.data?.result[0];
  return first ? Number(first.value[1]) : undefined;
}

beforeAll(async () => {
  await installRampCrds(ns.kc);
  port = await freePort();
  controller = startController(ns.name, ['--metrics-port', String(port)]);
  prometheus = await startScrapingPrometheus({ targets: [`127.0.0.1:${port}`] });
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await prometheus?.stop();
});

describe('controller metrics', () => {
  it('serves /healthz and /readyz', async () => {
    await waitFor('ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('Prometheus sees rollout_phase follow the Rollout', async () => {
    await rollouts.create(canaryRollout('web', 'web:1', [{ setWeight: 50 }, { pause: {} }], {}, 2));
    await rollouts.waitUntil('web', 'Healthy', (r) => r.status?.phase === 'Healthy');
    await waitFor(
      'rollout_phase Completed scraped',
      async () =>
        (await value(`rollout_phase{namespace="${ns.name}",name="web",phase="Completed"}`)) === 1,
    );
    expect(await value(`rollout_info_replicas_desired{namespace="${ns.name}",name="web"}`)).toBe(2);

    await rollouts.patchSpec('web', {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'web:2' }] } } },
    });
    await rollouts.waitUntil('web', 'Paused', (r) => r.status?.phase === 'Paused');
    await rollouts.patchStatus('web', { status: { abort: true } });
    await rollouts.waitUntil('web', 'Degraded', (r) => r.status?.phase === 'Degraded');
    await waitFor(
      'rollout_phase Abort scraped',
      async () =>
        (await value(`rollout_phase{namespace="${ns.name}",name="web",phase="Abort"}`)) === 1,
    );
    expect(await value(`rollout_phase{namespace="${ns.name}",name="web",phase="Completed"}`)).toBe(
      0,
    );
    expect(await value('sum(workqueue_adds_total{name="rollouts"})')).toBeGreaterThan(0);
    expect(
      await value(`sum(rollout_reconcile_count{namespace="${ns.name}",name="web"})`),
    ).toBeGreaterThan(0);
    expect(await value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
