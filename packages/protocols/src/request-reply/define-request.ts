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
  const definition = { type, input: schemas.input, output: schemas.output };
  // Not enumerable: a definition derived by spreading this one does not copy it.
  Object.defineProperty(definition, CODECS, { value: { codecs: undefined } satisfies CodecSlot });
  return Object.freeze(definition);
}

/** Where {@link defineRequest} keeps a definition's codecs, built on first use. */
const CODECS = Symbol('agentmesh.request.codecs');

interface CodecSlot {
  codecs: Codecs | undefined;
}

/** A definition's schemas as functions (see {@link schemaCodec}). */
export interface Codecs {
  readonly inputSchema: $ZodType;
  readonly outputSchema: $ZodType;
  readonly input: SchemaCodec;
  readonly output: SchemaCodec;
}

/**
 * The codecs of a definition's schemas. A definition made by {@link defineRequest} keeps them
 * once built (on first use, so schemas whose getters refer to later declarations are read only
 * then); they are used only while its schemas are the ones they were built for, so a definition
 * derived from another (`Object.create`, a spread) gets its own schemas' codecs.
 * @throws MeshError INVALID_ARGUMENT when a schema is not a zod schema (a definition written by hand).
 */
export function codecsOf(definition: AnyRequestDefinition): Codecs {
  const slot = (definition as { readonly [CODECS]?: CodecSlot })[CODECS];
  const kept = slot?.codecs;
  if (kept !== undefined && kept.inputSchema === definition.input && kept.outputSchema === definition.output) return kept;
  const codecs = buildCodecs(definition);
  // Only a definition's own slot is filled: one derived with Object.create inherits its parent's.
  if (slot !== undefined && kept === undefined && Object.hasOwn(definition, CODECS)) slot.codecs = codecs;
  return codecs;
}

/** @throws MeshError INVALID_ARGUMENT when a schema is not a zod schema. */
export function assertSchemas(definition: AnyRequestDefinition): void {
  if (!isZodSchema(definition.input) || !isZodSchema(definition.output)) {
    throw invalidArgument(`request "${String(definition.type)}": input and output must be zod schemas`);
  }
}

function buildCodecs(definition: AnyRequestDefinition): Codecs {
  assertSchemas(definition);
  return { inputSchema: definition.input, outputSchema: definition.output, input: schemaCodec(definition.input), output: schemaCodec(definition.output) };
}

function isZodSchema(value: unknown): value is $ZodType {
  return typeof value === 'object' && value !== null && typeof (value as { _zod?: unknown })._zod === 'object';
}
