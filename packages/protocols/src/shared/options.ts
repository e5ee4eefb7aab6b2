import type { Agent } from '@agentmesh/core';
import { invalidArgument } from './errors.js';

/** Throws INVALID_ARGUMENT unless `value` is a positive number of milliseconds (`Infinity` means none). */
export function assertTimeoutMs(value: unknown, name: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw invalidArgument(`${name} must be a positive number of milliseconds (or Infinity), got ${String(value)}`);
  }
  return value;
}

/** The name of an agent given as itself or by name. */
export function nameOf(agent: Agent | string): string {
  return typeof agent === 'string' ? agent : agent.name;
}
