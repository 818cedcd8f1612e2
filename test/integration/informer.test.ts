// The informer against the real API server: it fills its cache, follows changes, and restarts a
// watch whose connection went silent without closing.
import { KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';

import { Informer } from '../../src/kube/informer.js';
import { useTestNamespace } from '../support/namespace.js';
import { testLog } from '../support/settings.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

const ns = useTestNamespace(import.meta.url);
const stopList: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const stop of stopList) await stop();
});

function configMapInformer(kc: KubeConfig, stallMs: number): Informer<V1ConfigMap> {
  const informer = new Informer<V1ConfigMap>(
    kc,
    {
      name: 'configmaps',
      path: `/api/v1/namespaces/${ns.name}/configmaps`,
      list: () => ns.core.listNamespacedConfigMap({ namespace: ns.name }),
    },
    testLog,
    { watchTimeoutSeconds: 300, stallMs, minBackoffMs: 100, maxBackoffMs: 1000 },
  );
  stopList.push(() => informer.stop());
  return informer;
}

const names = (informer: Informer<V1ConfigMap>): string[] =>
  informer
    .list(ns.name)
    .map((c) => c.metadata?.name ?? '')
    .filter((n) => n.startsWith('cm-'))
    .sort();

describe('Informer', () => {
  it('lists, then follows adds, updates and deletes', async () => {
    await ns.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'cm-before' } },
    });
    const informer = configMapInformer(ns.kc, 60_000);
    const events: string[] = [];
    informer.on('add', (o) => events.push(`add ${o.metadata?.name}`));
    informer.on('update', (o, old) =>
      events.push(`update ${o.metadata?.name} ${old?.data?.v ?? '-'}→${o.data?.v}`),
    );
    informer.on('delete', (o) => events.push(`delete ${o.metadata?.name}`));
    await informer.start();
    expect(names(informer)).toEqual(['cm-before']);

    await ns.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'cm-after' }, data: { v: '1' } },
    });
    await ns.core.replaceNamespacedConfigMap({
      name: 'cm-after',
      namespace: ns.name,
      body: { metadata: { name: 'cm-after' }, data: { v: '2' } },
    });
    await ns.core.deleteNamespacedConfigMap({ name: 'cm-before', namespace: ns.name });
    await waitFor('the three changes', () => events.filter((e) => e.includes('cm-')).length >= 4);
    expect(events.filter((e) => e.includes('cm-'))).toEqual([
      'add cm-before',
      'add cm-after',
      'update cm-after 1→2',
      'delete cm-before',
    ]);
    expect(informer.get(ns.name, 'cm-after')?.data?.v).toBe('2');
  });

  it('restarts a watch whose connection stalls silently and catches up', async () => {
    const server = new URL(ns.kc.getCurrentCluster()?.server ?? '');
    const proxy: TcpProxy = await startTcpProxy(server.hostname, Number(server.port));
    stopList.push(() => proxy.close());
    const viaProxy = new KubeConfig();
    viaProxy.loadFromString(ns.kc.exportConfig());
    const cluster = viaProxy.getCurrentCluster();
    Object.assign(cluster ?? {}, { server: `https://127.0.0.1:${proxy.port}` });

    const informer = configMapInformer(viaProxy, 1_500);
    await informer.start();
    await ns.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'cm-live' } },
    });
    await waitFor('cm-live seen', () => names(informer).includes('cm-live'));

    proxy.freeze();
    await ns.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'cm-during-stall' } },
    });
    await waitFor('cm-during-stall seen after the watchdog restarts the watch', () =>
      names(informer).includes('cm-during-stall'),
    );
    expect(informer.stats.stallsDetected).toBeGreaterThanOrEqual(1);
    expect(informer.stats.relists).toBe(1);
  });
});
