import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding ramp's package.json, found from this module's own location. */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** ramp's version, read once from package.json so there is a single place to bump it. */
export const version: string = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

function findPackageRoot(start: string): string {
  // Works from both src/ (vitest) and dist/src/ (built binaries).
  let dir = start;
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'ramp') return dir;
    } catch {
      // not here: keep climbing
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ramp's package.json above ${start}`);
    dir = parent;
  }
}
