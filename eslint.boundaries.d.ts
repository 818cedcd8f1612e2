// Types of eslint.boundaries.js for the test that imports it.
import type { Linter } from 'eslint';

/** Only src/kube may import the Kubernetes client library (types excepted). */
export declare const clientLibraryBoundary: Linter.Config;
/** src/machines and src/decide may not import I/O. */
export declare const pureDeciderBoundary: Linter.Config;
