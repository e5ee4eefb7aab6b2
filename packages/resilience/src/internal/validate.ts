import { MeshError } from '@agentmesh/core';

/** The INVALID_ARGUMENT error every bad option of this package rejects with. */
export function invalidOption(message: string): MeshError {
  return new MeshError('INVALID_ARGUMENT', message);
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

/** A finite number ≥ `min` (or > `min` when `exclusive`). */
export function finiteAtLeast(value: unknown, name: string, min: number, exclusive = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (exclusive ? value <= min : value < min)) {
    throw invalidOption(`${name} must be a finite number ${exclusive ? '>' : '>='} ${min}, got ${describe(value)}`);
  }
  return value;
}

/** A finite duration in ms, > 0. */
export function positiveMs(value: unknown, name: string): number {
  return finiteAtLeast(value, name, 0, true);
}

/** A finite duration in ms, ≥ 0. */
export function nonNegativeMs(value: unknown, name: string): number {
  return finiteAtLeast(value, name, 0);
}

/** A whole number ≥ `min`. */
export function integerAtLeast(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidOption(`${name} must be a whole number >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** A rate in (0, 1]. */
export function rate(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw invalidOption(`${name} must be a rate in (0, 1], got ${describe(value)}`);
  }
  return value;
}

/** A function, when given. */
export function optionalFunction<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw invalidOption(`${name} must be a function, got ${typeof value}`);
  return value;
}

/** One of `allowed`. */
export function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidOption(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}
