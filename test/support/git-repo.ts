// The GitOps tests' git server and working copies (shared with the benchmarks).
export { startTestGit, type TestGit, type WorkRepo } from '../../src/local/git-work.js';
