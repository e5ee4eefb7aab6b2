/** A JSON value: what can cross any transport unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Why a value is not JSON-safe; `path` points at the offending part (`content.items[3]`). */
export interface JsonProblem {
  readonly path: string;
  readonly reason: string;
}

const MAX_NESTING = 256;

/**
 * Checks that `value` survives JSON encoding unchanged, and counts its approximate encoded size.
 * Rejects functions, symbols, BigInt, non-finite numbers, `undefined` inside arrays, class
 * instances (Date, Map, ...), cycles and `__proto__` keys. Undefined object properties (and symbol keys) are treated as
 * absent, as JSON does. Returns the problem, or the size in bytes when it is fine.
 *
 * Strings are counted by UTF-16 length unless they could push the total past `maxBytes`, in which
 * case their exact UTF-8 length is measured; so the limit is exact where it matters and cheap
 * everywhere else.
 */
export function checkJson(value: unknown, path: string, maxBytes: number): JsonProblem | number {
  // Fast pass: no paths, no cycle bookkeeping (a cycle shows up as excessive depth). Only when it
  // fails does the detailed pass run to say what and where.
  const bytes = measureJson(value, 0, 0, maxBytes);
  if (bytes >= 0) return bytes;
  const state: WalkState = { bytes: 0, maxBytes, stack: [] };
  return walk(value, path, state) ?? { path, reason: 'not JSON-safe' };
}

/**
 * Encoded size so far (`bytes`) plus `value`'s, or -1 when `value` is not JSON-safe or the total
 * passes `maxBytes`. The fast pass behind {@link checkJson}; no allocation, no paths.
 */
export function measureJson(value: unknown, bytes: number, depth: number, maxBytes: number): number {
  switch (typeof value) {
    case 'string':
      bytes += value.length + 2;
      if (bytes > maxBytes && bytes - value.length - 2 + Buffer.byteLength(value, 'utf8') + 2 > maxBytes) return -1;
      return bytes;
    case 'number':
      return Number.isFinite(value) ? bytes + 8 : -1;
    case 'boolean':
      return bytes + 5;
    case 'object': {
      if (value === null) return bytes + 4;
      if (depth >= MAX_NESTING) return -1;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) return -1;
          bytes = measureJson(item, bytes + 1, depth + 1, maxBytes);
          if (bytes < 0) return -1;
        }
        return bytes + 2;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return -1;
      for (const key in value) {
        if (key === '__proto__') return -1;
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        bytes = measureJson(item, bytes + key.length + 3, depth + 1, maxBytes);
        if (bytes < 0) return -1;
      }
      if (bytes > maxBytes) return -1;
      return bytes + 2;
    }
    default:
      return -1;
  }
}

interface WalkState {
  bytes: number;
  readonly maxBytes: number;
  readonly stack: object[];
}

function walk(value: unknown, path: string, state: WalkState): JsonProblem | undefined {
  switch (typeof value) {
    case 'string':
      return addString(value, path, state);
    case 'number':
      if (!Number.isFinite(value)) return { path, reason: `${String(value)} is not a JSON number` };
      return addBytes(8, path, state);
    case 'boolean':
      return addBytes(5, path, state);
    case 'object':
      if (value === null) return addBytes(4, path, state);
      return walkObject(value, path, state);
    default:
      return { path, reason: `${typeof value} is not JSON` };
  }
}

function walkObject(value: object, path: string, state: WalkState): JsonProblem | undefined {
  if (state.stack.includes(value)) return { path, reason: 'circular reference' };
  if (state.stack.length >= MAX_NESTING) return { path, reason: `nested deeper than ${MAX_NESTING}` };
  state.stack.push(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === undefined) return { path: `${path}[${i}]`, reason: 'undefined is not JSON' };
        const problem = walk(item, `${path}[${i}]`, state);
        if (problem) return problem;
      }
      return addBytes(2 + value.length, path, state);
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      return { path, reason: `${name} instance is not a plain JSON object` };
    }
    for (const key in value) {
      if (key === '__proto__') return { path, reason: '"__proto__" keys are not allowed' };
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      const problem = addString(key, path, state) ?? walk(item, `${path}.${key}`, state);
      if (problem) return problem;
    }
    return addBytes(2, path, state);
  } finally {
    state.stack.pop();
  }
}

function addString(value: string, path: string, state: WalkState): JsonProblem | undefined {
  // UTF-8 never needs more than 3 bytes per UTF-16 unit; measure exactly only near the limit.
  const upper = value.length * 3 + 2;
  const size = state.bytes + upper > state.maxBytes ? Buffer.byteLength(value, 'utf8') + 2 : value.length + 2;
  return addBytes(size, path, state);
}

function addBytes(size: number, path: string, state: WalkState): JsonProblem | undefined {
  state.bytes += size;
  if (state.bytes > state.maxBytes) return { path, reason: `message exceeds the ${state.maxBytes}-byte limit` };
  return undefined;
}
