/** What the generated code checks, read from a schema's def by `describe`. */
export type Node =
  | { readonly kind: 'string'; readonly min: number; readonly max: number | undefined; readonly length: number | undefined }
  | { readonly kind: 'number'; readonly tests: readonly NumberTest[] }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'oneOf'; readonly values: ReadonlySet<unknown> }
  | { readonly kind: 'nullable'; readonly inner: Node }
  | { readonly kind: 'array'; readonly element: Node; readonly min: number; readonly max: number | undefined; readonly length: number | undefined }
  | { readonly kind: 'object'; readonly fields: readonly Field[] };

export type NumberTest = { readonly op: '>' | '>=' | '<' | '<='; readonly bound: number } | { readonly op: 'int'; readonly min: number; readonly max: number };

export interface Field {
  readonly key: string;
  readonly node: Node;
  /** `.optional()` around a plain schema: an absent key stays absent, a present one is parsed. */
  readonly optional: boolean;
}
