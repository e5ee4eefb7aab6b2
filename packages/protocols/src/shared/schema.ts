import { safeParse, type $ZodType, type output } from 'zod/v4/core';
import type { $ZodIssue } from 'zod/v4/core';
import { invalidArgument } from './errors.js';
import { compileSchema, type FastSchema } from './compiled-schema/compile.js';

/** Outcome of {@link tryParse}: zod's own result object, nothing allocated on top. */
export type ParseResult<T extends $ZodType> = { readonly success: true; readonly data: output<T> } | { readonly success: false; readonly error: { readonly issues: readonly $ZodIssue[] } };

/**
 * Parses `value` with a zod schema (classic `zod` or `zod/mini`). Callers build their error only
 * on failure, so the success path allocates nothing beyond zod's result. Schemas must be
 * synchronous; an async refinement is a programming error (INVALID_ARGUMENT).
 */
export function tryParse<T extends $ZodType>(schema: T, value: unknown): ParseResult<T> {
  try {
    return safeParse(schema, value);
  } catch (error) {
    throw invalidArgument(`a request schema could not run synchronously (async refinements are not supported): ${String(error)}`);
  }
}

/** Why a schema refused a value: zod's issues. */
export class SchemaFailure {
  constructor(readonly issues: readonly $ZodIssue[]) {}
}

/** A schema as two functions, compiled where it can be and zod's own parse where not. */
export interface SchemaCodec {
  /** What the schema makes of `value`, or a {@link SchemaFailure}. */
  readonly parse: (value: unknown) => unknown;
  /** Undefined when the schema accepts `value`, else a {@link SchemaFailure}; copies nothing when compiled. */
  readonly check: (value: unknown) => SchemaFailure | undefined;
}

/**
 * The codec of `schema`, built once per schema. Values the compiled code cannot vouch for (and
 * every value of a schema it cannot compile) go through zod, so results and issues are zod's.
 */
export function schemaCodec(schema: $ZodType): SchemaCodec {
  let codec = codecs.get(schema);
  if (codec === undefined) codecs.set(schema, (codec = buildCodec(schema)));
  return codec;
}

const codecs = new WeakMap<$ZodType, SchemaCodec>();

function buildCodec(schema: $ZodType): SchemaCodec {
  const parse = (value: unknown): unknown => {
    const parsed = tryParse(schema, value);
    return parsed.success ? parsed.data : new SchemaFailure(parsed.error.issues);
  };
  const check = (value: unknown): SchemaFailure | undefined => {
    const parsed = tryParse(schema, value);
    return parsed.success ? undefined : new SchemaFailure(parsed.error.issues);
  };
  let compiled: FastSchema | undefined;
  try {
    compiled = compileSchema(schema, { parse, check });
  } catch {
    // Reading the schema threw (a getter in a shape): zod reports that its own way when parsing.
    compiled = undefined;
  }
  return (compiled as SchemaCodec | undefined) ?? { parse, check };
}
