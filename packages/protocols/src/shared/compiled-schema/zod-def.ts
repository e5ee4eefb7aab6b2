/** Reading zod 4 schema internals: defs, traits and checks, refusing anything not known exactly. */

/** A schema's def: what zod builds the schema from. */
export type Def = Readonly<Record<string, unknown>>;

/** The def of a zod schema, or undefined for anything else. */
export function defOf(schema: unknown): Def | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const zod = (schema as { _zod?: { def?: unknown } })._zod;
  const def = zod?.def;
  return typeof def === 'object' && def !== null ? (def as Def) : undefined;
}

/**
 * zod's own parsing traits (`$Zod...`) each kind may have. A schema with another one is a variant
 * that parses differently under the same def (`exactOptional()` is an optional that refuses a
 * present `undefined`), so it is left to zod. The API layers' traits (`ZodString`, `ZodMiniString`)
 * add methods only.
 */
export const TRAITS: Readonly<Record<string, ReadonlySet<string>>> = {
  string: new Set(['$ZodType', '$ZodString']),
  number: new Set(['$ZodType', '$ZodNumber', '$ZodNumberFormat', '$ZodCheckNumberFormat', '$ZodCheck']),
  boolean: new Set(['$ZodType', '$ZodBoolean']),
  literal: new Set(['$ZodType', '$ZodLiteral']),
  enum: new Set(['$ZodType', '$ZodEnum']),
  nullable: new Set(['$ZodType', '$ZodNullable']),
  optional: new Set(['$ZodType', '$ZodOptional']),
  array: new Set(['$ZodType', '$ZodArray']),
  object: new Set(['$ZodType', '$ZodObject', '$ZodObjectJIT']),
};

const CHECK_TRAITS: ReadonlySet<string> = new Set([
  '$ZodCheck',
  '$ZodCheckMinLength',
  '$ZodCheckMaxLength',
  '$ZodCheckLengthEquals',
  '$ZodCheckGreaterThan',
  '$ZodCheckLessThan',
  '$ZodCheckNumberFormat',
  // `.int()` adds z.int() itself as the check: a number schema that is also a check.
  '$ZodNumberFormat',
  '$ZodNumber',
  '$ZodType',
]);

/**
 * True when every trait of `schema` is one of `allowed`, or the API layer's mirror of one
 * (`ZodString`, `_ZodString`, `ZodMiniString` for `$ZodString`; `ZodType`, `ZodMiniType`). Any
 * other trait, a subclass of someone's own for instance, may parse differently: zod decides.
 */
export function hasOnlyTraits(schema: unknown, allowed: ReadonlySet<string>): boolean {
  const traits = (schema as { _zod: { traits?: unknown } })._zod.traits;
  if (!(traits instanceof Set)) return false;
  for (const trait of traits as Set<unknown>) {
    if (typeof trait !== 'string') return false;
    if (trait.startsWith('$') ? !allowed.has(trait) : !allowed.has(coreTraitOf(trait))) return false;
  }
  return true;
}

/** `$ZodString` for `ZodString`, `_ZodString` and `ZodMiniString`; '' for names that are not such a mirror. */
function coreTraitOf(trait: string): string {
  const match = /^_?Zod(?:Mini)?([A-Z]\w*)$/.exec(trait);
  return match === null ? '' : `$Zod${match[1]!}`;
}

/** Neither optional nor defaulted as zod's object parser sees it (only such fields compile, bar `.optional()`). */
export function isPlainField(schema: unknown): boolean {
  if (defOf(schema) === undefined) return false;
  const zod = (schema as { _zod: { optin?: unknown; optout?: unknown } })._zod;
  return zod.optin === undefined && zod.optout === undefined;
}

/** The def keys each kind may have: a def with any other key is left to zod. */
export const SCALAR_KEYS: ReadonlySet<string> = new Set(['type', 'checks', 'coerce', 'error']);
export const NUMBER_KEYS: ReadonlySet<string> = new Set([...SCALAR_KEYS, 'check', 'format', 'abort', 'when']);
const CHECK_KEYS: ReadonlySet<string> = new Set(['type', 'check', 'minimum', 'maximum', 'length', 'value', 'inclusive', 'format', 'abort', 'when', 'error']);
export const LITERAL_KEYS: ReadonlySet<string> = new Set(['type', 'values', 'error']);
export const ENUM_KEYS: ReadonlySet<string> = new Set(['type', 'entries', 'error']);
export const WRAPPER_KEYS: ReadonlySet<string> = new Set(['type', 'innerType', 'error']);
export const ARRAY_KEYS: ReadonlySet<string> = new Set(['type', 'element', 'checks', 'error']);
export const OBJECT_KEYS: ReadonlySet<string> = new Set(['type', 'shape', 'catchall', 'checks', 'error']);

export function hasOnly(def: Def, allowed: ReadonlySet<string>): boolean {
  for (const key of Object.keys(def)) if (!allowed.has(key)) return false;
  return Object.getOwnPropertySymbols(def).length === 0;
}

/** The defs of a schema's checks, or undefined when one is not a plain check def. */
export function checksOf(def: Def): Def[] | undefined {
  const checks = def['checks'];
  if (checks === undefined) return [];
  if (!Array.isArray(checks)) return undefined;
  const defs: Def[] = [];
  for (const check of checks) {
    const checkDef = defOf(check);
    if (checkDef === undefined || !hasOnly(checkDef, CHECK_KEYS) || !hasOnlyTraits(check, CHECK_TRAITS)) return undefined;
    defs.push(checkDef);
  }
  return defs;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Length bounds from min_length / max_length / length_equals checks, or undefined for any other check. */
export function lengthBounds(checks: readonly Def[]): { min: number; max: number | undefined; length: number | undefined } | undefined {
  let min = 0;
  let max: number | undefined;
  let length: number | undefined;
  for (const check of checks) {
    const kind = check['check'];
    const n = kind === 'min_length' ? check['minimum'] : kind === 'max_length' ? check['maximum'] : kind === 'length_equals' ? check['length'] : undefined;
    if (!isCount(n)) return undefined;
    if (kind === 'min_length') min = Math.max(min, n);
    else if (kind === 'max_length') max = max === undefined ? n : Math.min(max, n);
    else if (length !== undefined && length !== n) return undefined;
    else length = n;
  }
  return { min, max, length };
}
