// The receiver's one route, /hooks/<namespace>/<name>: which GitRepository a call is for.

/** The GitRepository a hook path names. */
export interface HookTarget {
  readonly namespace: string;
  readonly name: string;
}

/** A Kubernetes namespace (DNS label) and object name (DNS subdomain), as the API server checks. */
const namespacePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const namePattern = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The target of `/hooks/<namespace>/<name>` (query ignored), or undefined for any other path. */
export function parseHookPath(url: string): HookTarget | undefined {
  let pathname: string;
  try {
    pathname = new URL(url, 'http://receiver').pathname;
  } catch {
    return undefined;
  }
  const parts = pathname.split('/');
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== 'hooks') return undefined;
  const [, , namespace = '', name = ''] = parts;
  if (!namespacePattern.test(namespace) || !namePattern.test(name)) return undefined;
  return { namespace, name };
}

/** The path that triggers the GitRepository (what to configure in the Git host). */
export function hookPath(namespace: string, name: string): string {
  return `/hooks/${namespace}/${name}`;
}
