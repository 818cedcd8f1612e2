// ESLint flat config: type-aware typescript-eslint rules, a complexity budget, and the import
// boundaries that keep deciding (src/machines, src/decide) free of I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

import { clientLibraryBoundary, pureDeciderBoundary } from './eslint.boundaries.js';

/** The project's lint configuration. */
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
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      complexity: ['error', 10],
      'max-depth': ['error', 3],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'max-params': ['error', 4],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  clientLibraryBoundary,
  pureDeciderBoundary,
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '*.config.ts'],
    rules: {
      'max-lines-per-function': 'off',
      // Table tests (it.each) take one parameter per column; scenario tests read long status chains.
      'max-params': 'off',
      complexity: 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
