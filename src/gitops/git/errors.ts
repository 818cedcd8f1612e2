// Why talking to a Git remote failed, in words fit for a status condition: a kind the controller
// can branch on, and a short message that never carries a credential.
import { redactCredentials, type GitAuth } from '../../decide/gitops/git-auth.js';

/** What went wrong, coarsely: the controller words conditions and retries by it. */
export type GitErrorKind = 'auth' | 'notFound' | 'timeout' | 'network' | 'other';

/** A failed git operation; its message is short and credential-free. */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly kind: GitErrorKind,
    message: string,
  ) {
    super(message);
  }
}

// git's stderr wording (LC_ALL=C) is the only signal it gives; checked in this order, since an
// auth failure also says "unable to access".
const PATTERNS: readonly (readonly [GitErrorKind, RegExp])[] = [
  [
    'auth',
    /Authentication failed|returned error: 40[13]|HTTP 40[13]|could not read (Username|Password)|Permission denied \(|Host key verification failed/i,
  ],
  [
    'notFound',
    /not found|returned error: 404|HTTP 404|does not appear to be a git repository|couldn't find remote ref|not our ref|unadvertised object|no such remote ref|does not exist/i,
  ],
  [
    'network',
    /Could not resolve|Connection refused|Failed to connect|Couldn't connect|Connection timed out|Network is unreachable|No route to host|Connection reset|Connection closed|Empty reply|Recv failure/i,
  ],
];

/** The kind of a failure, from git's stderr. */
export function classifyGitFailure(stderr: string): GitErrorKind {
  return PATTERNS.find(([, pattern]) => pattern.test(stderr))?.[0] ?? 'other';
}

/** A GitError for a git command that exited non-zero, with the gist of its (redacted) stderr. */
export function gitFailure(operation: string, stderr: string, auth: GitAuth): GitError {
  const detail = shorten(redactCredentials(stderr, auth));
  return new GitError(classifyGitFailure(stderr), `git ${operation} failed: ${detail}`);
}

/** A GitError for a git command stopped by its time limit. */
export function gitTimeout(operation: string, timeoutMs: number): GitError {
  return new GitError('timeout', `git ${operation} timed out after ${formatDuration(timeoutMs)}`);
}

/** Seconds when whole ("30s"), else milliseconds, as the spec's durations are written. */
function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The last error-looking lines of git's stderr, capped: a status message, not a log. */
function shorten(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^(hint|warning):/i.test(line));
  const text = lines.slice(-2).join('; ') || 'no error output';
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
