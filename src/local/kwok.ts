import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The fake Node kwok plays kubelet for; large enough for the test suites' pods. */
export function fakeNode(name: string): {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; annotations: Record<string, string>; labels: Record<string, string> };
  status: Record<string, unknown>;
} {
  // Room for benchmarks with thousands of pods: kwok pods cost nothing.
  const resources = { cpu: '1000', memory: '4Ti', pods: '20000' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
      },
    },
  };
}

/**
 * kwok's configuration: the Stage documents (node initialise + lease heartbeat; pod ready,
 * complete and delete) that make pods Running and Ready, Jobs finish and deleted pods go away.
 */
export async function kwokConfig(stagesDir: string): Promise<string> {
  const files = (await readdir(stagesDir)).filter((f) => f.endsWith('.yaml')).sort();
  const docs = await Promise.all(files.map((f) => readFile(join(stagesDir, f), 'utf8')));
  return docs.map((d) => d.trim()).join('\n---\n') + '\n';
}
