import type { $ZodType } from 'zod/v4/core';
import { describe } from './describe.js';
import { generate } from './generate.js';

/** A schema compiled to straight-line code. */
export interface FastSchema {
  /** What zod would return for `value` (a copy of objects and arrays), or what `misses.parse` returns. */
  readonly parse: (value: unknown) => unknown;
  /** Undefined when zod would accept `value`, or what `misses.check` returns. Copies nothing. */
  readonly check: (value: unknown) => unknown;
}

/** What a compiled schema does with a value it cannot vouch for (usually: ask zod). */
export interface Misses {
  readonly parse: (value: unknown) => unknown;
  readonly check: (value: unknown) => unknown;
}

/**
 * Compiled parsers for the schemas requests use most: objects (zod's default strip mode) of
 * strings, numbers, booleans, literals, enums, arrays, optional and nullable fields, with length,
 * bound and integer checks. Each schema becomes one generated function with no calls on its
 * accepting path, as zod itself generates code for objects; zod's generic machinery costs ~100 ns
 * for a two-field object, the generated code a few.
 *
 * Compiled code only ever accepts: for anything it cannot prove every zod 4 release accepts with
 * the same output, it hands the whole value to `misses`, so failures and their issues are always
 * zod's own. A schema with anything not listed above (a transform, a refinement, a default, a
 * format, coercion, a catchall, a def key this module does not know) is not compiled, nor is any
 * schema where `new Function` is forbidden (a content security policy): undefined comes back.
 * String lengths are accepted only where UTF-16 units and code points agree, as zod releases count
 * one or the other.
 */
export function compileSchema(schema: $ZodType, misses: Misses): FastSchema | undefined {
  if (!canGenerate()) return undefined;
  const node = describe(schema, 0, { nodes: 0 });
  if (node === undefined) return undefined;
  const constants: unknown[] = [];
  return { parse: generate(node, true, constants, misses.parse), check: generate(node, false, constants, misses.check) };
}

let generateAllowed: boolean | undefined;

/** Whether this runtime allows `new Function` (a content security policy may forbid it). */
function canGenerate(): boolean {
  if (generateAllowed === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a constant probe
      generateAllowed = (new Function('return true') as () => boolean)();
    } catch {
      generateAllowed = false;
    }
  }
  return generateAllowed;
}
