// The git side of GitRepository: list refs, fetch one commit shallowly, keep checkouts by commit.
export { GitClient, type GitClientOptions } from './client.js';
export { GitError, type GitErrorKind } from './errors.js';
export type { Checkout } from './store.js';
