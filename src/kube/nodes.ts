import type { V1Node } from '@kubernetes/client-node';

import { isConflict, isNotFound, type KubeClients } from './client.js';

/** Creates the Node unless one of that name already exists. */
export async function ensureNode(clients: KubeClients, node: V1Node): Promise<void> {
  try {
    await clients.core.createNode({ body: node });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

/** True when the Node exists and reports condition Ready=True. */
export async function isNodeReady(clients: KubeClients, name: string): Promise<boolean> {
  try {
    const node = await clients.core.readNode({ name });
    return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** True when the ServiceAccount exists (the controller-manager creates `default` in each namespace). */
export async function serviceAccountExists(
  clients: KubeClients,
  namespace: string,
  name: string,
): Promise<boolean> {
  try {
    await clients.core.readNamespacedServiceAccount({ namespace, name });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
