// How ramp authenticates to a Git remote, read from a GitRepository's secretRef, and how secret
// values are kept out of anything a person may read (errors, logs, status). Pure.

/** Credentials for one remote: none, https basic or bearer, or an ssh key with its known hosts. */
export type GitAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | { kind: 'ssh'; identity: string; knownHosts: string };

/** Status messages of a secret that cannot be used; they name keys, never values. */
export const GitAuthMessages = {
  invalidUrl: 'spec.url is not a valid URL',
  unsupportedScheme: (scheme: string) =>
    `a secretRef cannot be used with ${scheme}// URLs; only https://, http:// and ssh://`,
  bothHttpKinds: 'the secret has both bearerToken and username/password; keep one of them',
  halfBasic: 'the secret needs both username and password (one of them is missing or empty)',
  noHttpKeys: 'the secret has neither username+password nor bearerToken',
  sshKeys: (missing: string[]) =>
    `the secret for an ssh:// URL needs the keys identity and known_hosts (missing: ${missing.join(', ')})`,
} as const;

const REDACTED = '***';

/** Reads the credentials for `url` from a secret's (already base64-decoded) data. */
export function authFromSecret(
  url: string,
  data: Record<string, string>,
): GitAuth | { error: string } {
  const scheme = schemeOf(url);
  if (scheme === undefined) return { error: GitAuthMessages.invalidUrl };
  if (scheme === 'https:' || scheme === 'http:') return httpAuth(data);
  if (scheme === 'ssh:') return sshAuth(data);
  return { error: GitAuthMessages.unsupportedScheme(scheme) };
}

/**
 * Replaces every secret value of `auth` in `text`, and any `user:password@` in URLs, with ***.
 * Basic and bearer credentials are also looked for in their base64 (Authorization header) form.
 */
export function redactCredentials(text: string, auth: GitAuth): string {
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/\s@]*)@/gi, redactUserInfo);
  for (const secret of secretsOf(auth)) out = out.split(secret).join(REDACTED);
  return out;
}

/** An ssh user name (git@) is no secret; any other user info in a URL may be a token. */
function redactUserInfo(match: string, scheme: string, userInfo: string): string {
  const keep = scheme.toLowerCase().startsWith('ssh') && !userInfo.includes(':');
  return keep ? match : `${scheme}${REDACTED}@`;
}

function schemeOf(url: string): string | undefined {
  try {
    return new URL(url).protocol;
  } catch {
    return undefined;
  }
}

function httpAuth(data: Record<string, string>): GitAuth | { error: string } {
  const { username, password, bearerToken } = data;
  const hasBasic = Boolean(username) || Boolean(password);
  if (bearerToken && hasBasic) return { error: GitAuthMessages.bothHttpKinds };
  if (bearerToken) return { kind: 'bearer', token: bearerToken };
  if (!hasBasic) return { error: GitAuthMessages.noHttpKeys };
  if (!username || !password) return { error: GitAuthMessages.halfBasic };
  return { kind: 'basic', username, password };
}

function sshAuth(data: Record<string, string>): GitAuth | { error: string } {
  const identity = data['identity'];
  const knownHosts = data['known_hosts'];
  if (identity && knownHosts) return { kind: 'ssh', identity, knownHosts };
  const missing = [identity ? '' : 'identity', knownHosts ? '' : 'known_hosts'];
  return { error: GitAuthMessages.sshKeys(missing.filter(Boolean)) };
}

/** Every form in which a secret of `auth` could show up in git's output, longest first. */
function secretsOf(auth: GitAuth): string[] {
  const values: string[] = [];
  if (auth.kind === 'basic') {
    const pair = `${auth.username}:${auth.password}`;
    values.push(auth.password, pair, base64(pair));
  } else if (auth.kind === 'bearer') values.push(auth.token, base64(auth.token));
  else if (auth.kind === 'ssh') values.push(auth.identity, ...keyLines(auth.identity));
  return values.filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
}

/** The body lines of a private key, so a fragment of it in an error is hidden too. */
function keyLines(identity: string): string[] {
  return identity
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
