// What every `kubectl ramp` command shares: kubectl's own flags (--kubeconfig, --context, -n, -A,
// -o), the cluster connection, one-line errors for the problems a person can fix, and colour only
// for a terminal that wants it.
import type { Command } from 'commander';

import type { Rollout } from '../../api/rollout.js';
import { connect } from '../../kube/client.js';
import { KubeRequestError, rawRequest, resourcePath } from '../../kube/raw.js';
import { UserError } from '../run.js';
import type { KubeConfig } from '@kubernetes/client-node';

/** kubectl's global flags, as the plugin accepts them. */
export interface GlobalOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly output?: string;
}

/** Adds kubectl's global flags to the program (kubectl passes them through to plugins). */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', 'namespace (default: the context’s, else "default")')
    .option('-A, --all-namespaces', 'every namespace (list commands)');
}

/** A connection to the cluster and the namespace the command works in. */
export interface Session {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly allNamespaces: boolean;
  /** Colour in output: stdout is a terminal and NO_COLOR is not set. */
  readonly color: boolean;
}

/** Opens a session from the global flags (kubectl's rules for context and namespace). */
export function session(opts: GlobalOptions): Session {
  const kc = loadKubeConfig(opts);
  const contextNs = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return {
    kc,
    namespace: opts.namespace ?? contextNs ?? 'default',
    allNamespaces: opts.allNamespaces === true,
    color: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
  };
}

function loadKubeConfig(opts: GlobalOptions): KubeConfig {
  let kc: KubeConfig;
  try {
    // Without --kubeconfig, client-node merges every KUBECONFIG file as kubectl does.
    kc = connect(opts.kubeconfig).config;
  } catch (err) {
    throw new UserError(
      `cannot load kubeconfig: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context))
      throw new UserError(`context "${opts.context}" not found in kubeconfig`);
    kc.setCurrentContext(opts.context);
  }
  return kc;
}

/** The kind a message names (rollout "web", analysisrun "web-1"). */
export interface Target {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** Turns an API failure into one line a person can act on. */
export function explain(err: unknown, target: Target | undefined, kc: KubeConfig): UserError {
  if (err instanceof KubeRequestError) return explainStatus(err, target);
  const server = kc.getCurrentCluster()?.server ?? 'the cluster';
  const message = err instanceof Error ? err.message : String(err);
  return new UserError(`cannot reach ${server}: ${firstLine(message)}`);
}

function explainStatus(err: KubeRequestError, target: Target | undefined): UserError {
  const where = target ? `${target.kind} "${target.name}" in namespace "${target.namespace}"` : '';
  if (err.statusCode === 404 && target) return new UserError(`${where} not found`);
  const suffix = target ? ` (${where})` : '';
  if (err.statusCode === 403) return new UserError(`forbidden${suffix}: ${firstLine(err.message)}`);
  return new UserError(`${firstLine(err.message)}${suffix}`);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

const argo = 'argoproj.io/v1alpha1';

/** Path of a Rollout (or its status subresource). */
export function rolloutPath(namespace: string, name: string, status = false): string {
  return (
    resourcePath({ apiVersion: argo, plural: 'rollouts', namespace, name }) +
    (status ? '/status' : '')
  );
}

/** Reads a Rollout; a missing one is a clear error. */
export async function getRollout(s: Session, name: string): Promise<Rollout> {
  try {
    return await rawRequest<Rollout>(s.kc, { method: 'GET', path: rolloutPath(s.namespace, name) });
  } catch (err) {
    throw explain(err, { kind: 'rollout', name, namespace: s.namespace }, s.kc);
  }
}

/** Applies a JSON merge patch to a Rollout or its status, as `kubectl argo rollouts` does. */
export async function patchRollout(
  s: Session,
  name: string,
  patch: unknown,
  subresource: 'spec' | 'status' = 'spec',
): Promise<Rollout> {
  try {
    return await rawRequest<Rollout>(s.kc, {
      method: 'PATCH',
      path: rolloutPath(s.namespace, name, subresource === 'status'),
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  } catch (err) {
    throw explain(err, { kind: 'rollout', name, namespace: s.namespace }, s.kc);
  }
}
