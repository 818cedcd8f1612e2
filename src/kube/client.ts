import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** The typed API clients ramp uses, built from one kubeconfig. */
export interface KubeClients {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
}

/** Loads a kubeconfig file (or the default chain when no path is given) and builds the clients. */
export function connect(kubeconfigPath?: string): KubeClients {
  const config = new KubeConfig();
  if (kubeconfigPath) config.loadFromFile(kubeconfigPath);
  else config.loadFromDefault();
  return { config, core: config.makeApiClient(CoreV1Api) };
}

/** The HTTP status of a failed API call, or undefined for errors that never reached the server. */
export function statusCode(err: unknown): number | undefined {
  return err instanceof ApiException ? (err as ApiException<unknown>).code : undefined;
}

/** True when the API server answered 404. */
export function isNotFound(err: unknown): boolean {
  return statusCode(err) === 404;
}

/** True when the API server answered 409 (already exists, or a write conflict). */
export function isConflict(err: unknown): boolean {
  return statusCode(err) === 409;
}
