// Turns a kind's schemas into an apiextensions.k8s.io/v1 CustomResourceDefinition. Pure: the
// generator writes the result to crds/, tests install it into a real API server.
import type { TSchema } from './schema.js';

/** A printer column of `kubectl get`. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'integer' | 'string' | 'date' | 'boolean' | 'number';
  readonly jsonPath: string;
  readonly description?: string;
}

/** Everything that defines one CRD. */
export interface CrdDefinition {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  readonly spec: TSchema;
  readonly status?: TSchema;
  /** Whether `spec` must be present. */
  readonly specRequired?: boolean;
  readonly scale?: {
    specReplicasPath: string;
    statusReplicasPath: string;
    labelSelectorPath: string;
  };
  readonly printerColumns?: readonly PrinterColumn[];
}

/** JSON copy without TypeBox's symbol keys (JSON drops symbols). */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

/** The CRD object for a definition. */
export function buildCrd(def: CrdDefinition): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: plain(def.spec),
  };
  if (def.status) properties.status = plain(def.status);
  const subresources: Record<string, unknown> = {};
  if (def.status) subresources.status = {};
  if (def.scale) subresources.scale = { ...def.scale };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${def.group}` },
    spec: {
      group: def.group,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        ...(def.shortNames ? { shortNames: [...def.shortNames] } : {}),
        ...(def.categories ? { categories: [...def.categories] } : {}),
      },
      scope: def.scope,
      versions: [
        {
          name: def.version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties,
              ...(def.specRequired ? { required: ['spec'] } : {}),
            },
          },
          ...(Object.keys(subresources).length > 0 ? { subresources } : {}),
          ...(def.printerColumns
            ? { additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })) }
            : {}),
        },
      ],
    },
  };
}
