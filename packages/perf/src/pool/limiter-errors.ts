import { MeshError } from '@agentmesh/core';
import { reasonSuffix } from '../internal/reason.js';

// Fast rejections: none of these captures a stack (it would only point into the limiter).

/** The limiter was closed. */
export function limiterClosedError(): MeshError {
  return MeshError.withoutStack('CLOSED', 'the concurrency limiter is closed');
}

/** Too many callers already wait. */
export function queueFullError(maxWaiting: number, key: string | undefined): MeshError {
  return MeshError.withoutStack('QUEUE_FULL', `no permit free${forKey(key)} and ${maxWaiting} callers already wait`, {
    details: { maxWaiting },
  });
}

/** The wait for a permit lasted `acquireTimeoutMs`. */
export function acquireTimeoutError(acquireTimeoutMs: number, key: string | undefined): MeshError {
  return MeshError.withoutStack('ACQUIRE_TIMEOUT', `no permit${forKey(key)} within ${acquireTimeoutMs} ms`, {
    details: { acquireTimeoutMs },
  });
}

/** The caller's signal aborted while it waited (or before it asked). */
export function waitCancelledError(key: string | undefined, reason: unknown): MeshError {
  return MeshError.withoutStack('CANCELLED', `wait for a permit${forKey(key)} was cancelled${reasonSuffix(reason)}`);
}

function forKey(key: string | undefined): string {
  return key === undefined ? '' : ` for "${key}"`;
}
