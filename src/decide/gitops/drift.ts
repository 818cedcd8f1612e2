// Drift: does the live object differ from what applying Git would make of it? The "what applying
// would make" side is the API server's own dry-run of the apply (defaulted, merged with fields of
// other managers), so the comparison needs no knowledge of schemas or defaults. Pure.
import { isDeepStrictEqual } from 'node:util';

/** Metadata the API server changes on every write or never takes from a manifest. */
const volatileMetadata = [
  'managedFields',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'uid',
] as const;

/** Top-level objects whose keys name the drift precisely (`spec.replicas`, `metadata.labels`). */
const expandedKeys = new Set(['metadata', 'spec']);

/** How many differing paths a message names. */
const maxDriftedFields = 5;

type Json = Record<string, unknown>;

/** True when the live object differs from the dry-run result of applying Git to it. */
export function differs(live: object, dryRun: object): boolean {
  return !isDeepStrictEqual(comparable(live), comparable(dryRun));
}

/** Up to five paths (`spec.replicas`, `data`, …) where the two differ, sorted, for messages. */
export function driftedFields(live: object, dryRun: object): string[] {
  const a = comparable(live);
  const b = comparable(dryRun);
  const paths = differingKeys(a, b).flatMap((key) => {
    const [x, y] = [a[key], b[key]];
    return expandedKeys.has(key) && isRecord(x) && isRecord(y)
      ? differingKeys(x, y).map((sub) => `${key}.${sub}`)
      : [key];
  });
  return paths.sort().slice(0, maxDriftedFields);
}

function differingKeys(a: Json, b: Json): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (key) => !isDeepStrictEqual(a[key], b[key]),
  );
}

/** The object without status and the metadata the server maintains. */
function comparable(obj: object): Json {
  const { status: _status, ...rest } = obj as Json;
  if (!isRecord(rest.metadata)) return rest;
  const metadata: Json = { ...rest.metadata };
  for (const key of volatileMetadata) delete metadata[key];
  return { ...rest, metadata };
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
