import { assertAgentName, MeshError } from '@agentmesh/core';

/** INVALID_ARGUMENT with a message that names the pattern and the option. */
export function invalidArgument(message: string): MeshError {
  return new MeshError('INVALID_ARGUMENT', message);
}

/** `value` when it is a positive integer (or undefined, then `fallback`), else INVALID_ARGUMENT. */
export function positiveInteger(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw invalidArgument(`${what} must be a positive integer, got ${String(value)}`);
  return value;
}

/** `value` when it is a positive number or Infinity (or undefined), else INVALID_ARGUMENT. */
export function optionalTimeout(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw invalidArgument(`${what} must be a positive number of milliseconds (or Infinity), got ${String(value)}`);
  }
  return value;
}

/** True for arrays, without narrowing a readonly array type to `any[]` as `Array.isArray` does. */
export function isList(value: unknown): boolean {
  return Array.isArray(value);
}

/** A non-empty list of distinct, valid agent names, else INVALID_ARGUMENT. */
export function agentNames(value: readonly string[] | undefined, what: string): readonly string[] {
  if (value === undefined || !isList(value) || value.length === 0) {
    throw invalidArgument(`${what} must list at least one agent name, got ${isList(value) ? 'an empty list' : String(value)}`);
  }
  const seen = new Set<string>();
  for (const name of value as readonly unknown[]) {
    assertAgentName(name);
    if (seen.has(name)) throw invalidArgument(`${what} lists "${name}" twice`);
    seen.add(name);
  }
  return value;
}

/** `value` when it is one of `allowed` (or undefined, then `fallback`), else INVALID_ARGUMENT. */
export function oneOf<T extends string>(value: T | undefined, allowed: readonly T[], fallback: T, what: string): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw invalidArgument(`${what} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}
