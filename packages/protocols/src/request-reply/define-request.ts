import type { $ZodType, input, output } from 'zod/v4/core';
import { invalidArgument } from '../shared/errors.js';
import { schemaCodec, type SchemaCodec } from '../shared/schema.js';

/**
 * A typed request: its type name and the zod schemas of its payload and its answer. Define it once,
 * share it between caller and callee, and both sides are checked, at compile time and on the wire.
 */
export interface RequestDefinition<TType extends string = string, TInput extends $ZodType = $ZodType, TOutput extends $ZodType = $ZodType> {
  /** Sent as `metadata.requestType`; the callee picks its handler by it. */
  readonly type: TType;
  /** Schema of the payload. The caller checks the payload before sending; the callee parses it again (its trust boundary). */
  readonly input: TInput;
  /** Schema of the answer, checked by the caller when the answer arrives. */
  readonly output: TOutput;
}

/** Any request definition. */
export type AnyRequestDefinition = RequestDefinition<string, $ZodType, $ZodType>;

/** What the caller passes: the input schema's input type. */
export type RequestPayload<D extends AnyRequestDefinition> = input<D['input']>;
/** What the caller gets: the output schema's output type. */
export type RequestResult<D extends AnyRequestDefinition> = output<D['output']>;
/** What the handler receives: the input schema's output type (after defaults and transforms). */
export type RequestHandlerInput<D extends AnyRequestDefinition> = output<D['input']>;
/** What the handler returns: the output schema's input type (it must be JSON on the wire). */
export type RequestHandlerOutput<D extends AnyRequestDefinition> = input<D['output']>;

/**
 * Defines a typed request. Schemas may come from `zod` or `zod/mini` and must be synchronous; what
 * crosses the wire is each schema's input side, so it must be JSON (no Date or Map there; use
 * transforms to get them after parsing).
 *
 * @example
 * const Summarize = defineRequest('summarize', {
 *   input: z.object({ text: z.string().min(1), maxWords: z.number().int().positive().default(50) }),
 *   output: z.object({ summary: z.string() }),
 * });
 * @throws MeshError INVALID_ARGUMENT for an empty type or a schema that is not a zod schema.
 */
export function defineRequest<TType extends string, TInput extends $ZodType, TOutput extends $ZodType>(
  type: TType,
  schemas: { readonly input: TInput; readonly output: TOutput },
): RequestDefinition<TType, TInput, TOutput> {
  if (typeof type !== 'string' || type.length === 0) throw invalidArgument(`a request type must be a non-empty string, got ${JSON.stringify(type)}`);
  if (!isZodSchema(schemas.input)) throw invalidArgument(`request "${type}": input must be a zod schema`);
  if (!isZodSchema(schemas.output)) throw invalidArgument(`request "${type}": output must be a zod schema`);
  const codecs: Codecs = { input: schemaCodec(schemas.input), output: schemaCodec(schemas.output) };
  return Object.freeze({ type, input: schemas.input, output: schemas.output, [CODECS]: codecs });
}

/** The codecs of a definition's schemas, built once by {@link defineRequest}. */
const CODECS = Symbol('agentmesh.request.codecs');

interface Codecs {
  readonly input: SchemaCodec;
  readonly output: SchemaCodec;
}

/**
 * A definition's schemas as functions (see {@link schemaCodec}). Definitions made by
 * {@link defineRequest} carry them; others are looked up by schema.
 */
export function codecsOf(definition: AnyRequestDefinition): Codecs {
  return (definition as { readonly [CODECS]?: Codecs })[CODECS] ?? { input: schemaCodec(definition.input), output: schemaCodec(definition.output) };
}

function isZodSchema(value: unknown): value is $ZodType {
  return typeof value === 'object' && value !== null && typeof (value as { _zod?: unknown })._zod === 'object';
}
