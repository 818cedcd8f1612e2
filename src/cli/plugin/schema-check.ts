// Type errors in a manifest (replicas: "three"), found with TypeBox against the very schemas the
// CRDs are generated from. Those schemas hold Kubernetes-only pieces TypeBox cannot check
// (Type.Unsafe for int-or-string, maps and preserved objects; `enum` and `format` keywords it
// ignores), so each is translated once into the TypeBox type that checks the same thing. Objects
// become closed: the API server prunes a field the schema lacks, so a typo'd key is dropped
// silently on apply — exactly what a lint should point at.
import { Kind, OptionalKind, Type, type TSchema } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';

import type { FieldError } from '../../decide/validate-rollout.js';

/** RFC 3339 date-time, as Kubernetes validates `format: date-time`. */
const rfc3339 = '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$';

type Node = TSchema & Record<string, unknown>;

const cache = new WeakMap<TSchema, TSchema>();

/** The checking twin of a CRD schema (built once per schema). */
export function checkingSchema(schema: TSchema): TSchema {
  let out = cache.get(schema);
  if (!out) {
    out = translate(schema);
    cache.set(schema, out);
  }
  return out;
}

function translate(schema: TSchema): TSchema {
  const node = schema as Node;
  const out = translateNode(node);
  return node[OptionalKind] === 'Optional' ? Type.Optional(out) : out;
}

function translateNode(node: Node): TSchema {
  switch (node[Kind]) {
    case 'Object':
      return Type.Object(
        Object.fromEntries(
          Object.entries(node.properties as Record<string, TSchema>).map(([k, v]) => [
            k,
            translate(v),
          ]),
        ),
        { additionalProperties: false },
      );
    case 'Array':
      return Type.Array(translate(node.items as TSchema));
    case 'String':
      return translateString(node);
    case 'Unsafe':
      return translateUnsafe(node);
    default:
      // Integer and Boolean: TypeBox checks them as they are.
      return node;
  }
}

function translateString(node: Node): TSchema {
  if (Array.isArray(node.enum))
    return Type.Union(
      (node.enum as string[]).map((v) => Type.Literal(v)),
      { errorMessage: `must be one of ${(node.enum as string[]).join(', ')}` },
    );
  if (node.format === 'date-time')
    return Type.String({ pattern: rfc3339, errorMessage: 'must be an RFC 3339 time' });
  return Type.String();
}

function translateUnsafe(node: Node): TSchema {
  if (node['x-kubernetes-int-or-string'])
    return Type.Union([Type.Integer(), Type.String()], {
      errorMessage: 'must be an integer or a string',
    });
  if (node['x-kubernetes-preserve-unknown-fields'])
    return Type.Record(Type.String(), Type.Unknown(), { errorMessage: 'must be an object' });
  const values = node.additionalProperties as Node | undefined;
  if (node.type === 'object' && values) {
    const inner = values[Kind] ? translate(values) : plainType(values);
    return Type.Record(Type.String(), inner, { errorMessage: 'must be a map' });
  }
  return Type.Unknown();
}

/** A plain JSON-schema leaf (what StringMap's additionalProperties holds). */
function plainType(node: Node): TSchema {
  if (node.type === 'string') return Type.String();
  if (node.type === 'object' && node.properties)
    return Type.Object(
      Object.fromEntries(
        Object.entries(node.properties as Record<string, Node>).map(([k, v]) => [
          k,
          Type.Optional(plainType(v)),
        ]),
      ),
      { additionalProperties: false },
    );
  return Type.Unknown();
}

/** `/strategy/canary/steps/0/setWeight` under `spec` → `spec.strategy.canary.steps[0].setWeight`. */
export function fieldPath(root: string, pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : `${path}.${part}`), root);
}

function messageOf(error: ValueError): string {
  const custom: unknown = (error.schema as Node).errorMessage;
  if (error.message === 'Unexpected property')
    return 'unknown field (the API server would drop it)';
  if (error.message === 'Expected required property') return 'required field is missing';
  const text = typeof custom === 'string' ? custom : lowerFirst(error.message);
  return `${text}, got ${JSON.stringify(error.value)}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Every type error of `value` against a CRD schema, one per field, under `root` (e.g. spec). */
export function schemaErrors(schema: TSchema, value: unknown, root: string): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of Value.Errors(checkingSchema(schema), value)) {
    const field = fieldPath(root, error.path);
    // A union reports once for itself and once per member; the first says it best.
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, message: messageOf(error) });
  }
  return out;
}
