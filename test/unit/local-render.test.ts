import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { envExports } from '../../src/local/cluster.js';
import { apiserverArgs, etcdArgs, kwokArgs } from '../../src/local/components.js';
import { renderKubeconfig } from '../../src/local/kubeconfig.js';
import { fakeNode } from '../../src/local/kwok.js';
import { pkiPaths } from '../../src/local/pki.js';

describe('local control plane rendering', () => {
  it('embeds the certificates in a self-contained kubeconfig', () => {
    const config = parse(
      renderKubeconfig({
        server: 'https://127.0.0.1:6443',
        caPem: 'CA',
        certPem: 'CERT',
        keyPem: 'KEY',
      }),
    ) as {
      'current-context': string;
      clusters: { cluster: unknown }[];
      users: { user: unknown }[];
    };
    expect(config['current-context']).toBe('ramp-local');
    expect(config.clusters[0]?.cluster).toEqual({
      server: 'https://127.0.0.1:6443',
      'certificate-authority-data': 'Q0E=',
    });
    expect(config.users[0]?.user).toEqual({
      'client-certificate-data': 'Q0VSVA==',
      'client-key-data': 'S0VZ',
    });
  });

  it('binds every component to loopback', () => {
    const args = [
      ...etcdArgs({ dataDir: '/d', clientPort: 1, peerPort: 2 }),
      ...apiserverArgs({ pki: pkiPaths('/pki'), etcdPort: 1, port: 3 }),
    ];
    const urls = args.filter((a) => /https?:\/\//.test(a) && !a.includes('kubernetes.default.svc'));
    expect(urls.length).toBeGreaterThan(0);
    for (const arg of urls) expect(arg).toMatch(/https?:\/\/127\.0\.0\.1:\d+/);
    expect(args).toContain('--bind-address=127.0.0.1');
  });

  it('gives kwok no server port of its own', () => {
    expect(kwokArgs({ kubeconfig: 'k', config: 'c' })).toContain('--node-port=0');
  });

  it('makes an untainted fake Node kwok manages', () => {
    const node = fakeNode('n1');
    expect(node.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
    expect(node).not.toHaveProperty('spec.taints');
  });

  it('quotes the shell exports', () => {
    const state = {
      format: 1 as const,
      startedAt: '',
      kubeconfig: "/tmp/it's/kubeconfig",
      apiserverUrl: '',
      prometheusUrl: 'http://127.0.0.1:9090',
      daemons: [],
    };
    expect(envExports(state)).toBe(
      "export KUBECONFIG='/tmp/it'\\''s/kubeconfig'\nexport RAMP_PROMETHEUS_URL='http://127.0.0.1:9090'\n",
    );
  });
});
