import { join } from 'node:path';

import type { Pki } from './pki.js';
import { loopback } from './ports.js';

/** Pod and service ranges of the local cluster (nothing routes them: pods are simulated by kwok). */
export const serviceCidr = '10.0.0.0/24';
/** kwok hands pod IPs out of this range. */
export const podCidr = '10.244.0.0/16';

/** etcd on loopback, fsync off: the data is disposable and fsync dominates start-up on slow disks. */
export function etcdArgs(opts: {
  dataDir: string;
  clientPort: number;
  peerPort: number;
}): string[] {
  const client = `http://${loopback}:${opts.clientPort}`;
  const peer = `http://${loopback}:${opts.peerPort}`;
  return [
    '--name=ramp-local',
    `--data-dir=${opts.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=ramp-local=${peer}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

/** kube-apiserver with client-certificate auth, RBAC, and service-account tokens signed by our key. */
export function apiserverArgs(opts: { pki: Pki; etcdPort: number; port: number }): string[] {
  return [
    `--etcd-servers=http://${loopback}:${opts.etcdPort}`,
    `--bind-address=${loopback}`,
    `--advertise-address=${loopback}`,
    `--secure-port=${opts.port}`,
    `--tls-cert-file=${opts.pki.serverCert}`,
    `--tls-private-key-file=${opts.pki.serverKey}`,
    `--client-ca-file=${opts.pki.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${opts.pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${opts.pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${serviceCidr}`,
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
    '--endpoint-reconciler-type=none',
    '--profiling=false',
  ];
}

/** kube-controller-manager: Deployments, ReplicaSets, Jobs, GC, service accounts; no serving port. */
export function controllerManagerArgs(opts: { kubeconfig: string; pki: Pki }): string[] {
  return [
    `--kubeconfig=${opts.kubeconfig}`,
    `--bind-address=${loopback}`,
    '--secure-port=0',
    '--leader-elect=false',
    `--root-ca-file=${opts.pki.caCert}`,
    `--service-account-private-key-file=${opts.pki.serviceAccountKey}`,
    '--profiling=false',
    // The default client rate (20 qps) makes ReplicaSet → Pod creation the bottleneck in tests
    // and benchmarks with many rollouts; nothing else competes for this API server.
    ...clientRate,
  ];
}

/** kube-scheduler with no serving port. */
export function schedulerArgs(opts: { kubeconfig: string }): string[] {
  return [
    `--kubeconfig=${opts.kubeconfig}`,
    `--bind-address=${loopback}`,
    '--secure-port=0',
    '--leader-elect=false',
    '--profiling=false',
  ];
}

/** kwok managing every Node, with no server port of its own. */
export function kwokArgs(opts: { kubeconfig: string; config: string }): string[] {
  return [
    `--kubeconfig=${opts.kubeconfig}`,
    `--config=${opts.config}`,
    '--manage-all-nodes=true',
    `--cidr=${podCidr}`,
    `--node-ip=${loopback}`,
    '--node-port=0',
    '--node-lease-duration-seconds=40',
  ];
}

/** API client rate of the controller-manager and scheduler on a private local cluster. */
const clientRate = ['--kube-api-qps=200', '--kube-api-burst=400'];

/** Log file of one component. */
export function logFile(logsDir: string, name: string): string {
  return join(logsDir, `${name}.log`);
}
