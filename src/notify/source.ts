// Reads the notification ConfigMap and Secret and Namespace annotations from the API server,
// caching each briefly: notifications are rare, but a burst (many Rollouts failing at once) should
// not turn into a burst of reads. Configuration problems are logged once each, by key, never with
// values.
import type { KubeConfig } from '@kubernetes/client-node';

import { rawRequest, resourcePath } from '../kube/raw.js';
import { isNotFoundError } from '../kube/rollout-io.js';
import type { Logger } from '../observability/logger.js';
import {
  configMapName,
  decodeSecretData,
  emptyConfig,
  parseNotifyConfig,
  secretName,
  type NotifyConfig,
} from './config.js';

/** How long a read ConfigMap/Secret pair is used before it is read again. */
const configTtlMs = 10_000;
/** How long a Namespace's annotations are used before they are read again. */
const namespaceTtlMs = 30_000;
/** Namespaces remembered at most; past that the cache starts over. */
const maxNamespaces = 1000;

/** Where the notifier gets its configuration and Namespace subscriptions. */
export interface ConfigSource {
  config(): Promise<NotifyConfig>;
  namespaceAnnotations(namespace: string): Promise<Record<string, string>>;
}

interface Cached<T> {
  readonly at: number;
  readonly value: Promise<T>;
}

/** A ConfigSource reading `configNamespace` through the API server. */
export function createConfigSource(
  kc: KubeConfig,
  configNamespace: string,
  log: Logger,
): ConfigSource {
  let config: Cached<NotifyConfig> | undefined;
  const namespaces = new Map<string, Cached<Record<string, string>>>();
  const reported = new Set<string>();
  const report = (problem: string): void => {
    if (reported.has(problem)) return;
    if (reported.size > 1000) reported.clear();
    reported.add(problem);
    log.warn({ namespace: configNamespace, configMap: configMapName }, `notifications: ${problem}`);
  };
  return {
    config: () => {
      if (!config || Date.now() - config.at > configTtlMs) {
        const entry: Cached<NotifyConfig> = {
          at: Date.now(),
          value: readConfig(
            kc,
            configNamespace,
            () => {
              // A failed read is not kept: the next notification reads the ConfigMap again.
              if (config === entry) config = undefined;
            },
            report,
          ),
        };
        config = entry;
      }
      return config.value;
    },
    namespaceAnnotations: (namespace) => {
      const hit = namespaces.get(namespace);
      if (hit && Date.now() - hit.at <= namespaceTtlMs) return hit.value;
      if (namespaces.size >= maxNamespaces) namespaces.clear();
      const value = readNamespaceAnnotations(kc, namespace, report);
      namespaces.set(namespace, { at: Date.now(), value });
      return value;
    },
  };
}

async function readConfig(
  kc: KubeConfig,
  namespace: string,
  onFailure: () => void,
  report: (problem: string) => void,
): Promise<NotifyConfig> {
  try {
    const cm = await readOptional<{ data?: Record<string, string> }>(
      kc,
      namespace,
      'configmaps',
      configMapName,
    );
    if (!cm) return emptyConfig;
    // Without the Secret, services that reference it fail (and are reported) one by one; the
    // built-in Events and services without secrets keep working.
    const secret = await readOptional<{ data?: Record<string, string> }>(
      kc,
      namespace,
      'secrets',
      secretName,
    ).catch((err: unknown) => {
      report(`cannot read Secret ${secretName}: ${message(err)}`);
      return undefined;
    });
    const parsed = parseNotifyConfig(cm.data, decodeSecretData(secret?.data));
    for (const e of parsed.errors) report(e);
    return parsed.config;
  } catch (err) {
    onFailure();
    report(`cannot read ConfigMap ${configMapName}: ${message(err)}`);
    return emptyConfig;
  }
}

async function readOptional<T>(
  kc: KubeConfig,
  namespace: string,
  plural: string,
  name: string,
): Promise<T | undefined> {
  try {
    return await rawRequest<T>(kc, {
      method: 'GET',
      path: resourcePath({ apiVersion: 'v1', plural, namespace, name }),
    });
  } catch (err) {
    if (isNotFoundError(err)) return undefined;
    throw err;
  }
}

async function readNamespaceAnnotations(
  kc: KubeConfig,
  namespace: string,
  report: (problem: string) => void,
): Promise<Record<string, string>> {
  try {
    const ns = await rawRequest<{ metadata?: { annotations?: Record<string, string> } }>(kc, {
      method: 'GET',
      path: resourcePath({ apiVersion: 'v1', plural: 'namespaces', name: namespace }),
    });
    return ns.metadata?.annotations ?? {};
  } catch (err) {
    if (!isNotFoundError(err)) {
      report(`cannot read Namespace ${namespace}: ${message(err)}`);
    }
    return {};
  }
}

/** The API server's status message: it names the object, never its data. */
function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
