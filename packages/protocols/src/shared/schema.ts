import { safeParse, type $ZodType, type output } from 'zod/v4/core';
import type { $ZodIssue } from 'zod/v4/core';
import { invalidArgument } from './errors.js';

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
