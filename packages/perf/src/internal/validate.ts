import { MeshError } from '@agentmesh/core';

/**
 * Option checks shared by every class here. Bad options fail at construction with
 * INVALID_ARGUMENT, never later on the hot path.
 */

function invalid(name: string, expected: string, value: unknown): MeshError {
  return new MeshError('INVALID_ARGUMENT', `${name} must be ${expected}, got ${String(value)}`);
}

/** An integer >= `min`, or Infinity when `allowInfinity`. */
export function integerOption(value: unknown, name: string, min: number, allowInfinity: boolean): number {
  const ok =
    typeof value === 'number' &&
    ((Number.isInteger(value) && value >= min) || (allowInfinity && value === Number.POSITIVE_INFINITY));
  if (!ok) {
    const expected = `an integer >= ${min}${allowInfinity ? ' or Infinity' : ''}`;
    throw invalid(name, expected, value);
  }
  return value;
}

/** A finite number of milliseconds >= 0, or Infinity when `allowInfinity`. */
export function durationOption(value: unknown, name: string, allowInfinity: boolean): number {
  const ok = typeof value === 'number' && value >= 0 && (allowInfinity || Number.isFinite(value));
  if (!ok) throw invalid(name, `a number of milliseconds >= 0${allowInfinity ? ' or Infinity' : ''}`, value);
  return value;
}

/** A function. */
export function functionOption<T>(value: T, name: string): T {
  if (typeof value !== 'function') throw invalid(name, 'a function', value);
  return value;
}
