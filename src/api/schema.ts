// Building blocks for CRD schemas. Each schema is a TypeBox value: the same object is the
// OpenAPI v3 structural schema written into crds/ and, through Static<>, the TypeScript type the
// controller uses — one source of truth for both.
import { Type, type SchemaOptions, type TSchema, type TUnsafe } from '@sinclair/typebox';

export { Type, type Static, type TSchema } from '@sinclair/typebox';

/** An int32 field (Kubernetes' `format: int32`). */
export const Int32 = (opts: SchemaOptions = {}) => Type.Integer({ format: 'int32', ...opts });

/** An int64 field. */
export const Int64 = (opts: SchemaOptions = {}) => Type.Integer({ format: 'int64', ...opts });

/** A field that holds either an integer or a string such as "25%" (intstr.IntOrString). */
export const IntOrString = (opts: SchemaOptions = {}): TUnsafe<number | string> =>
  Type.Unsafe<number | string>({ 'x-kubernetes-int-or-string': true, ...opts });

/**
 * A map of strings. TypeBox's Record emits patternProperties, which structural schemas forbid, so
 * the map is spelled with additionalProperties.
 */
export const StringMap = (opts: SchemaOptions = {}): TUnsafe<Record<string, string>> =>
  Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: { type: 'string' },
    ...opts,
  });

/** An object kept as given (pod templates, plugin configs): the API server neither prunes nor checks it. */
export const OpaqueObject = <T = Record<string, unknown>>(opts: SchemaOptions = {}): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...opts });

/** An RFC 3339 timestamp, as Kubernetes serialises metav1.Time. */
export const Timestamp = (opts: SchemaOptions = {}) =>
  Type.String({ format: 'date-time', ...opts });

/** A list of objects; optional fields default to absent. */
export const ListOf = <T extends TSchema>(item: T, opts: SchemaOptions = {}) =>
  Type.Array(item, opts);

/** Labels and annotations to put on pods or analysis runs. */
export const PodTemplateMetadata = Type.Object({
  labels: Type.Optional(StringMap()),
  annotations: Type.Optional(StringMap()),
});

/** A label selector (metav1.LabelSelector). */
export const LabelSelector = Type.Object({
  matchLabels: Type.Optional(StringMap()),
  matchExpressions: Type.Optional(
    ListOf(
      Type.Object({
        key: Type.String(),
        operator: Type.String(),
        values: Type.Optional(ListOf(Type.String())),
      }),
    ),
  ),
});
