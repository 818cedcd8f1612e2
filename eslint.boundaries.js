// Import boundaries of the architecture, shared by eslint.config.js and the test that proves them.

/** Modules that perform I/O; deciders may not import them. */
const ioModules = [
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:net',
  'node:http',
  'node:https',
  'node:dns',
  'node:process',
  'fs',
  'fs/promises',
  'child_process',
  'net',
  'http',
  'https',
  '@kubernetes/client-node',
  'prometheus-query',
  'pino',
];

/** Project folders that do I/O; deciders may not import them either. */
const ioFolders = [
  '**/kube/**',
  '**/local/**',
  '**/controllers/**',
  '**/traffic/**',
  '**/notify/**',
  '**/gitops/**',
  '**/observability/**',
  '**/cli/**',
];

/** Only src/kube talks to the Kubernetes client library; everything else goes through it. */
export const clientLibraryBoundary = {
  files: ['src/**/*.ts'],
  ignores: ['src/kube/**'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [
          {
            name: '@kubernetes/client-node',
            message: 'Use src/kube: it is the only place that touches the client library.',
            // Its types (V1Ingress, …) describe the wire format and may be used anywhere.
            allowTypeImports: true,
          },
        ],
      },
    ],
  },
};

/** Deciders (src/machines, src/decide) are pure: no I/O modules or folders, no ambient process state. */
export const pureDeciderBoundary = {
  files: ['src/machines/**/*.ts', 'src/decide/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: ioModules.map((name) => ({
          name,
          message: 'machines/ and decide/ must stay pure: no I/O.',
        })),
        patterns: [
          { group: ioFolders, message: 'machines/ and decide/ must stay pure: no I/O folders.' },
        ],
      },
    ],
    'no-restricted-globals': ['error', 'process', 'fetch', 'setTimeout', 'setInterval'],
  },
};
