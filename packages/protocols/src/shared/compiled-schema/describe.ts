import type { Field, Node, NumberTest } from './node.js';
import { ARRAY_KEYS, checksOf, defOf, ENUM_KEYS, hasOnly, hasOnlyTraits, isPlainField, lengthBounds, LITERAL_KEYS, NUMBER_KEYS, OBJECT_KEYS, SCALAR_KEYS, TRAITS, WRAPPER_KEYS, type Def } from './zod-def.js';

/** Deeper or bigger schemas are left to zod (a recursive one could not be compiled anyway). */
const MAX_DEPTH = 16;
const MAX_NODES = 256;

/** The checks `schema` stands for, or undefined when any part of it is not known exactly. */
export function describe(schema: unknown, depth: number, budget: { nodes: number }): Node | undefined {
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
