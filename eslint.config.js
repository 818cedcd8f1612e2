// ESLint flat config: type-aware typescript-eslint rules, a complexity budget, and the import
// boundaries that keep deciding (src/machines, src/decide) free of I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  'child_process',
  'net',
  'http',
  'https',
  '@kubernetes/client-node',
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

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'tools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.lint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      complexity: ['error', 10],
      'max-depth': ['error', 3],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-params': ['error', 4],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    // Only src/kube talks to the Kubernetes client library; everything else goes through it.
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
            },
          ],
        },
      ],
    },
  },
  {
    // Deciders are pure: no I/O modules, no I/O folders, no ambient process state.
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
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '*.config.ts'],
    rules: {
      'max-lines-per-function': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
