// Prune deletes only what is still labelled as the GitSync's own, and never what is marked to keep.
import { describe, expect, it } from 'vitest';

import type { GitSync } from '../../src/api/gitops.js';
import { keptFromPrune, ownedBy } from '../../src/decide/gitops/ownership.js';

const gs = {
  metadata: { name: 'web', namespace: 'apps' },
  spec: {},
} as unknown as GitSync;

const live = (labels?: Record<string, string>, annotations?: Record<string, string>) => ({
  metadata: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
});
const ours = { 'gitsync.ramp.dev/name': 'web', 'gitsync.ramp.dev/namespace': 'apps' };

describe('ownership', () => {
  it.each<[string, unknown, boolean, boolean]>([
    ['labelled as this GitSync', live(ours), true, false],
    [
      'labelled as another GitSync (moved in Git)',
      live({ ...ours, 'gitsync.ramp.dev/name': 'api' }),
      false,
      true,
    ],
    [
      'same name, another namespace',
      live({ ...ours, 'gitsync.ramp.dev/namespace': 'other' }),
      false,
      true,
    ],
    ['no labels (made by hand, or reconcile: disabled)', live(), false, true],
    ['ours but marked prune: disabled', live(ours, { 'ramp.dev/prune': 'disabled' }), true, true],
    ['already gone', undefined, false, false],
  ])('%s: owned %s, kept %s', (_what, obj, owned, kept) => {
    expect(ownedBy(gs, obj)).toBe(owned);
    expect(keptFromPrune(gs, obj)).toBe(kept);
  });
});
