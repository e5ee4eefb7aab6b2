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
 * absent, as JSON does. Returns the problem, or (when it is fine) a lower bound of its size in bytes.
 *
 * The size is the UTF-8 length of the JSON encoding; it is computed exactly only when a cheap
 * bound cannot decide, so the limit is exact where it matters and cheap everywhere else.
 */
export function checkJson(value: unknown, path: string, maxBytes: number): JsonProblem | number {
  const size = jsonSize(value, maxBytes);
  if (size >= 0) return size;
  // Only a failure pays for the detailed pass that says what and where.
  const state: WalkState = { bytes: 0, maxBytes, stack: [] };
  return walk(value, path, state) ?? { path, reason: `message exceeds the ${maxBytes}-byte limit` };
}

/**
 * -1 unless `value` is JSON-safe and its JSON encoding fits `maxBytes` UTF-8 bytes; otherwise a
 * lower bound of that size (exact when it had to be measured). One pass computes a lower and an
 * upper bound without allocating (cycles show up as excessive depth); only a value whose bounds
 * straddle the limit is measured exactly, by a second allocation-free pass.
 */
export function jsonSize(value: unknown, maxBytes: number): number {
  slack = 0;
  return decide(lowerBound(value, 0, 0), maxBytes, value);
}

/**
 * {@link jsonSize} of a whole message (`{ id, role, name?, content, metadata }`: ids and names
 * count towards the limit too), without building anything on the fast path.
 */
export function messageJsonSize(id: string, role: string, name: string | undefined, content: unknown, metadata: unknown, maxBytes: number): number {
  // `{"id":""` `,"role":""` `,"content":` `,"metadata":` `}`, and `,"name":""` when there is one;
  // the role is plain ASCII, the id and name may need escapes (the slack).
  let lower = 42 + id.length + role.length;
  slack = id.length * 5;
  if (name !== undefined) {
    lower += 10 + name.length;
    slack += name.length * 5;
  }
  lower = lowerBound(content, lower, 0);
  if (lower >= 0) lower = lowerBound(metadata, lower, 0);
  return decide(lower, maxBytes, { id, role, name, content, metadata });
}

function decide(lower: number, maxBytes: number, value: unknown): number {
  if (lower < 0 || lower > maxBytes) return -1;
  if (lower + slack <= maxBytes) return lower;
  const exact = exactSize(value);
  return exact > maxBytes ? -1 : exact;
}

/** The exact UTF-8 length of JSON.stringify(value), for a value already known to be JSON-safe. */
function exactSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringSize(value);
    case 'number':
      return String(value).length;
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let size = 2 + Math.max(0, value.length - 1);
        for (const item of value as unknown[]) size += exactSize(item);
        return size;
      }
      let size = 2;
      let first = true;
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        size += (first ? 0 : 1) + stringSize(key) + 1 + exactSize(item);
        first = false;
      }
      return size;
    }
    default:
      return 0;
  }
}

/** UTF-8 length of a string as JSON.stringify writes it: quotes, escapes, lone surrogates as \uXXXX. */
function stringSize(text: string): number {
  let size = 2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) size += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
    else if (c === 0x22 || c === 0x5c) size += 2;
    else if (c < 0x80) size += 1;
    else if (c < 0x800) size += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        size += 4;
        i++;
      } else size += 6;
    } else if (c >= 0xdc00 && c <= 0xdfff) size += 6;
    else size += 3;
  }
  return size;
}

// How much the encoding may exceed the lower bound: escapes (up to 6 bytes per character) and
// digits of numbers. Module state instead of an object keeps the pass allocation-free.
let slack = 0;

/** Characters of a number's JSON form: exact for integers below 1e15, a lower bound (1) plus slack otherwise. */
function numberLength(n: number): number {
  let a = n < 0 ? -n : n;
  if (!Number.isInteger(a) || a >= 1e15) {
    slack += 23;
    return 1;
  }
  let digits = n < 0 ? 2 : 1;
  while (a >= 10) {
    a /= 10;
    digits++;
  }
  return digits;
}

function lowerBound(value: unknown, bytes: number, depth: number): number {
  switch (typeof value) {
    case 'string':
      slack += value.length * 5;
      return bytes + value.length + 2;
    case 'number':
      if (!Number.isFinite(value)) return -1;
      return bytes + numberLength(value);
    case 'boolean':
      slack += 1;
      return bytes + 4;
    case 'object': {
      if (value === null) return bytes + 4;
      if (depth >= MAX_NESTING) return -1;
      if (Array.isArray(value)) {
        // Each item but the first adds a comma: count one per item, give one back at the end.
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) return -1;
          bytes = lowerBound(item, bytes + 1, depth + 1);
          if (bytes < 0) return -1;
        }
        return bytes + (value.length === 0 ? 2 : 1);
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return -1;
      let keys = 0;
      for (const key in value) {
        if (key === '__proto__') return -1;
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        slack += key.length * 5;
        keys++;
        bytes = lowerBound(item, bytes + key.length + 4, depth + 1);
        if (bytes < 0) return -1;
      }
      return bytes + (keys === 0 ? 2 : 1);
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
      return addBytes(String(value).length, path, state);
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
  return addBytes(Buffer.byteLength(JSON.stringify(value), 'utf8'), path, state);
}

function addBytes(size: number, path: string, state: WalkState): JsonProblem | undefined {
  state.bytes += size;
  if (state.bytes > state.maxBytes) return { path, reason: `message exceeds the ${state.maxBytes}-byte limit` };
  return undefined;
}
