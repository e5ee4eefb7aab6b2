import type { $ZodType } from 'zod/v4/core';

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

/** Deeper or bigger schemas are left to zod (a recursive one could not be compiled anyway). */
const MAX_DEPTH = 16;
const MAX_NODES = 256;

type Def = Readonly<Record<string, unknown>>;

/** What the generated code checks, read from a schema's def. */
type Node =
  | { readonly kind: 'string'; readonly min: number; readonly max: number | undefined; readonly length: number | undefined }
  | { readonly kind: 'number'; readonly tests: readonly NumberTest[] }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'oneOf'; readonly values: ReadonlySet<unknown> }
  | { readonly kind: 'nullable'; readonly inner: Node }
  | { readonly kind: 'array'; readonly element: Node; readonly min: number; readonly max: number | undefined; readonly length: number | undefined }
  | { readonly kind: 'object'; readonly fields: readonly Field[] };

type NumberTest = { readonly op: '>' | '>=' | '<' | '<='; readonly bound: number } | { readonly op: 'int'; readonly min: number; readonly max: number };

interface Field {
  readonly key: string;
  readonly node: Node;
  /** `.optional()` around a plain schema: an absent key stays absent, a present one is parsed. */
  readonly optional: boolean;
}

function describe(schema: unknown, depth: number, budget: { nodes: number }): Node | undefined {
  const def = defOf(schema);
  if (def === undefined || depth > MAX_DEPTH || ++budget.nodes > MAX_NODES) return undefined;
  const type = def['type'];
  if (typeof type !== 'string' || !Object.hasOwn(TRAITS, type) || !hasOnlyTraits(schema, TRAITS[type]!)) return undefined;
  switch (type) {
    case 'string':
      return describeString(def);
    case 'number':
      return describeNumber(def);
    case 'boolean':
      return hasOnly(def, SCALAR_KEYS) && !def['coerce'] && checksOf(def)?.length === 0 ? { kind: 'boolean' } : undefined;
    case 'literal':
      return describeLiteral(def, schema);
    case 'enum':
      return describeEnum(def, schema);
    case 'nullable': {
      const inner = def['innerType'];
      if (!hasOnly(def, WRAPPER_KEYS) || !isPlainField(inner)) return undefined;
      const node = describe(inner, depth + 1, budget);
      return node === undefined ? undefined : { kind: 'nullable', inner: node };
    }
    case 'array':
      return describeArray(def, depth, budget);
    case 'object':
      return describeObject(def, depth, budget);
    default:
      return undefined;
  }
}

function defOf(schema: unknown): Def | undefined {
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
const TRAITS: Readonly<Record<string, ReadonlySet<string>>> = {
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
function hasOnlyTraits(schema: unknown, allowed: ReadonlySet<string>): boolean {
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
function isPlainField(schema: unknown): boolean {
  if (defOf(schema) === undefined) return false;
  const zod = (schema as { _zod: { optin?: unknown; optout?: unknown } })._zod;
  return zod.optin === undefined && zod.optout === undefined;
}

const SCALAR_KEYS: ReadonlySet<string> = new Set(['type', 'checks', 'coerce', 'error']);
const NUMBER_KEYS: ReadonlySet<string> = new Set([...SCALAR_KEYS, 'check', 'format', 'abort', 'when']);
const CHECK_KEYS: ReadonlySet<string> = new Set(['type', 'check', 'minimum', 'maximum', 'length', 'value', 'inclusive', 'format', 'abort', 'when', 'error']);
const LITERAL_KEYS: ReadonlySet<string> = new Set(['type', 'values', 'error']);
const ENUM_KEYS: ReadonlySet<string> = new Set(['type', 'entries', 'error']);
const WRAPPER_KEYS: ReadonlySet<string> = new Set(['type', 'innerType', 'error']);
const ARRAY_KEYS: ReadonlySet<string> = new Set(['type', 'element', 'checks', 'error']);
const OBJECT_KEYS: ReadonlySet<string> = new Set(['type', 'shape', 'catchall', 'checks', 'error']);

function hasOnly(def: Def, allowed: ReadonlySet<string>): boolean {
  for (const key of Object.keys(def)) if (!allowed.has(key)) return false;
  return Object.getOwnPropertySymbols(def).length === 0;
}

/** The defs of a schema's checks, or undefined when one is not a plain check def. */
function checksOf(def: Def): Def[] | undefined {
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
function lengthBounds(checks: readonly Def[]): { min: number; max: number | undefined; length: number | undefined } | undefined {
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

function describeString(def: Def): Node | undefined {
  if (!hasOnly(def, SCALAR_KEYS) || def['coerce']) return undefined;
  const checks = checksOf(def);
  const bounds = checks === undefined ? undefined : lengthBounds(checks);
  return bounds === undefined ? undefined : { kind: 'string', ...bounds };
}

/** Integer formats by name: the inclusive range an integer must fall in. */
const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

function numberTest(check: Def): NumberTest | null | undefined {
  const kind = check['check'];
  if (kind === 'greater_than' || kind === 'less_than') {
    const bound = check['value'];
    if (typeof bound !== 'number' || Number.isNaN(bound)) return undefined;
    const inclusive = check['inclusive'] === true;
    return { op: kind === 'greater_than' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<', bound };
  }
  if (kind !== 'number_format') return undefined;
  const format = check['format'];
  // Every finite number is a float64: nothing to test.
  if (format === 'float64') return null;
  const range = typeof format === 'string' && Object.hasOwn(INTEGER_RANGES, format) ? INTEGER_RANGES[format] : undefined;
  return range === undefined ? undefined : { op: 'int', min: range[0], max: range[1] };
}

function describeNumber(def: Def): Node | undefined {
  if (!hasOnly(def, NUMBER_KEYS) || def['coerce']) return undefined;
  const checks = checksOf(def);
  if (checks === undefined) return undefined;
  // z.int() and friends are themselves a number_format check.
  if (def['check'] !== undefined) {
    if (def['check'] !== 'number_format') return undefined;
    checks.unshift(def);
  }
  const tests: NumberTest[] = [];
  for (const check of checks) {
    const test = numberTest(check);
    if (test === undefined) return undefined;
    if (test !== null) tests.push(test);
  }
  return { kind: 'number', tests };
}

/** The set of values zod itself checks literals and enums against (taken when it was built). */
function valuesOf(schema: unknown): Set<unknown> | undefined {
  const values = (schema as { _zod: { values?: unknown } })._zod.values;
  return values instanceof Set && values.size > 0 ? (values as Set<unknown>) : undefined;
}

function describeLiteral(def: Def, schema: unknown): Node | undefined {
  const values = valuesOf(schema);
  if (!hasOnly(def, LITERAL_KEYS) || values === undefined) return undefined;
  for (const value of values) {
    const ok = typeof value === 'string' || typeof value === 'boolean' || value === null || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) return undefined;
  }
  return { kind: 'oneOf', values: new Set(values) };
}

function describeEnum(def: Def, schema: unknown): Node | undefined {
  const values = valuesOf(schema);
  // Numeric (TypeScript) enums are left to zod.
  if (!hasOnly(def, ENUM_KEYS) || values === undefined || ![...values].every((v) => typeof v === 'string')) return undefined;
  return { kind: 'oneOf', values: new Set(values) };
}

function describeArray(def: Def, depth: number, budget: { nodes: number }): Node | undefined {
  const element = def['element'];
  if (!hasOnly(def, ARRAY_KEYS) || !isPlainField(element)) return undefined;
  const checks = checksOf(def);
  const bounds = checks === undefined ? undefined : lengthBounds(checks);
  const node = describe(element, depth + 1, budget);
  return bounds === undefined || node === undefined ? undefined : { kind: 'array', element: node, ...bounds };
}

function describeObject(def: Def, depth: number, budget: { nodes: number }): Node | undefined {
  // A catchall (strict, loose or typed extra keys) changes what happens to keys not in the shape.
  if (!hasOnly(def, OBJECT_KEYS) || def['catchall'] !== undefined || checksOf(def)?.length !== 0) return undefined;
  const shape = def['shape'];
  if (typeof shape !== 'object' || shape === null || Object.getOwnPropertySymbols(shape).length > 0) return undefined;
  const fields: Field[] = [];
  for (const key of Object.keys(shape)) {
    if (key === '__proto__') return undefined;
    let schema: unknown = (shape as Record<string, unknown>)[key];
    const fieldDef = defOf(schema);
    if (fieldDef === undefined) return undefined;
    const optional = fieldDef['type'] === 'optional';
    if (optional) {
      if (!hasOnly(fieldDef, WRAPPER_KEYS) || !hasOnlyTraits(schema, TRAITS['optional']!)) return undefined;
      schema = fieldDef['innerType'];
    }
    if (!isPlainField(schema)) return undefined;
    const node = describe(schema, depth + 1, budget);
    if (node === undefined) return undefined;
    fields.push({ key, node, optional });
  }
  return { kind: 'object', fields };
}

/**
 * One function for the whole schema: `copy` builds zod's output (fresh objects and arrays, keys in
 * shape order), otherwise it only checks (and returns undefined). Any doubt hands the whole value
 * to `miss`. Keys are written as JSON string literals, so every property access is a constant one;
 * sets of allowed values come in through `constants`.
 */
function generate(node: Node, copy: boolean, constants: unknown[], miss: (value: unknown) => unknown): (value: unknown) => unknown {
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}${counter++}`;
  const lines: string[] = [];
  // Every doubt leaves the labelled block and hands the value to `miss`.
  const fail = 'break fail;';

  /** Appends code that checks `input` and leaves its output in the returned expression. */
  const emit = (n: Node, input: string): string => {
    switch (n.kind) {
      case 'string':
        lines.push(`if (typeof ${input} !== 'string') ${fail}`);
        // Below 2 * min units only a string without surrogates is certain (units = code points).
        if (n.min > 0) lines.push(`if (${input}.length < ${2 * n.min} && (${input}.length < ${n.min} || SURROGATE.test(${input}))) ${fail}`);
        if (n.max !== undefined) lines.push(`if (${input}.length > ${n.max}) ${fail}`);
        if (n.length !== undefined) lines.push(`if (${input}.length !== ${n.length} || SURROGATE.test(${input})) ${fail}`);
        return input;
      case 'number': {
        // Number.isFinite, isInteger and isSafeInteger are false for anything but a number (and
        // never call valueOf): one of them runs before any comparison, integer tests first.
        const integer = n.tests.some((test) => test.op === 'int');
        if (!integer) lines.push(`if (!Number.isFinite(${input})) ${fail}`);
        const ordered = [...n.tests].sort((a, b) => Number(b.op === 'int') - Number(a.op === 'int'));
        for (const test of ordered) {
          if (test.op !== 'int') lines.push(`if (!(${input} ${test.op} ${String(test.bound)})) ${fail}`);
          else if (test.min === Number.MIN_SAFE_INTEGER && test.max === Number.MAX_SAFE_INTEGER) lines.push(`if (!Number.isSafeInteger(${input})) ${fail}`);
          else lines.push(`if (!Number.isInteger(${input}) || ${input} < ${test.min} || ${input} > ${test.max}) ${fail}`);
        }
        return input;
      }
      case 'boolean':
        lines.push(`if (typeof ${input} !== 'boolean') ${fail}`);
        return input;
      case 'oneOf':
        lines.push(`if (!constants[${constants.push(n.values) - 1}].has(${input})) ${fail}`);
        return input;
      case 'nullable': {
        const out = fresh('n');
        lines.push(`let ${out} = null;`, `if (${input} !== null) {`);
        lines.push(`${out} = ${emit(n.inner, input)};`, '}');
        return out;
      }
      case 'array': {
        lines.push(`if (!Array.isArray(${input})) ${fail}`);
        if (n.min > 0) lines.push(`if (${input}.length < ${n.min}) ${fail}`);
        if (n.max !== undefined) lines.push(`if (${input}.length > ${n.max}) ${fail}`);
        if (n.length !== undefined) lines.push(`if (${input}.length !== ${n.length}) ${fail}`);
        const out = copy ? fresh('a') : input;
        const i = fresh('i');
        const item = fresh('e');
        if (copy) lines.push(`const ${out} = new Array(${input}.length);`);
        lines.push(`for (let ${i} = 0; ${i} < ${input}.length; ${i}++) {`, `const ${item} = ${input}[${i}];`);
        const parsed = emit(n.element, item);
        if (copy) lines.push(`${out}[${i}] = ${parsed};`);
        lines.push('}');
        return out;
      }
      case 'object': {
        lines.push(`if (typeof ${input} !== 'object' || ${input} === null || Array.isArray(${input})) ${fail}`);
        const out = copy ? fresh('o') : input;
        if (copy) lines.push(`const ${out} = {};`);
        for (const field of n.fields) {
          const key = JSON.stringify(field.key);
          const value = fresh('f');
          lines.push(`const ${value} = ${input}[${key}];`);
          // Present but undefined stays as undefined, absent stays absent, as zod does.
          if (field.optional) lines.push(`if (${value} === undefined) { ${copy ? `if (${key} in ${input}) ${out}[${key}] = undefined;` : ''} } else {`);
          // zod asks whether a key is there too; only a Proxy can answer a read but deny the key.
          lines.push(`if (!(${key} in ${input})) ${fail}`);
          const parsed = emit(field.node, value);
          if (copy) lines.push(`${out}[${key}] = ${parsed};`);
          if (field.optional) lines.push('}');
        }
        return out;
      }
    }
  };

  const result = emit(node, 'v');
  lines.push(copy ? `return ${result};` : 'return undefined;');
  // A getter or Proxy that throws while being read lands in `miss` too: zod reads it again and
  // reports the failure its own way.
  lines.unshift('fail: {', 'try {');
  lines.push('} catch {}', '}', 'return miss(v);');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from a schema's def: keys as JSON string literals, bounds as numbers
  const factory = new Function('miss', 'SURROGATE', 'constants', `return function ${copy ? 'parseFast' : 'checkFast'}(v) {\n${lines.join('\n')}\n};`) as (
    miss: (value: unknown) => unknown,
    surrogate: RegExp,
    constants: readonly unknown[],
  ) => (value: unknown) => unknown;
  return factory(miss, SURROGATE, constants);
}

const SURROGATE = /[\ud800-\udfff]/;

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
