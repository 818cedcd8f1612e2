#!/usr/bin/env node
// Writes crds/*.yaml from src/api (npm run gen:crds). The files are never edited by hand; a unit
// test fails when they drift from the schemas.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from '../version.js';
import { generatedCrds, renderCrdFile } from './crds.js';

for (const { file, crd } of generatedCrds()) {
  writeFileSync(join(packageRoot, 'crds', file), renderCrdFile(crd));
  process.stdout.write(`wrote crds/${file}\n`);
}
