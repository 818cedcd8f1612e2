// The architecture's import rules are enforced by lint; this proves the rules catch what they must.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

import { clientLibraryBoundary, pureDeciderBoundary } from '../../eslint.boundaries.js';

const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
    clientLibraryBoundary,
    pureDeciderBoundary,
  ],
});

async function errors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ['src/machines/canary.ts', "import { readFile } from 'node:fs/promises';"],
    ['src/decide/replicas.ts', "import { spawn } from 'node:child_process';"],
    ['src/decide/replicas.ts', "import { connect } from '../kube/client.js';"],
    ['src/machines/canary.ts', "import type { Logger } from '../observability/logger.js';"],
    ['src/decide/weights.ts', 'export const now = () => process.hrtime();'],
    ['src/decide/weights.ts', "export const get = () => fetch('http://x');"],
    ['src/local/cluster.ts', "import { KubeConfig } from '@kubernetes/client-node';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await errors(file, code)).not.toEqual([]);
  });

  it.each([
    ['src/decide/weights.ts', "import { assign } from 'xstate';"],
    ['src/machines/canary.ts', "import { nextWeight } from '../decide/weights.js';"],
    ['src/kube/client.ts', "import { KubeConfig } from '@kubernetes/client-node';"],
    ['src/controllers/rollout/act.ts', "import { readFile } from 'node:fs/promises';"],
  ])('%s may: %s', async (file, code) => {
    expect(await errors(file, code)).toEqual([]);
  });
});
