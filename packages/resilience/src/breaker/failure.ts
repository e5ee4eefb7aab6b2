import { MeshError, type MeshErrorCode } from '@agentmesh/core';
import { isAbort } from '../internal/abort.js';

/**
 * Codes a breaker counts as failures by default: the target is slow, broken or unreachable.
 * Everything else is neutral (neither success nor failure): ACCESS_DENIED, INVALID_MESSAGE,
 * CANCELLED, NO_HANDLER, MAX_DEPTH, CLOSED... say nothing about the target's health.
 */
export const DEFAULT_FAILURE_CODES: readonly MeshErrorCode[] = Object.freeze(['TIMEOUT', 'HANDLER_ERROR', 'TRANSPORT_ERROR', 'AGENT_NOT_FOUND']);

const FAILURE_CODES: ReadonlySet<string> = new Set(DEFAULT_FAILURE_CODES);

/**
 * The default classifier: a MeshError counts when its code is in {@link DEFAULT_FAILURE_CODES}; any
 * other thrown error (from `execute`) counts unless it is an abort.
 */
export function isBreakerFailure(error: unknown): boolean {
  if (MeshError.is(error)) return FAILURE_CODES.has(error.code);
  return !isAbort(error);
}

/** A failure in one word for events: its code, or its name. */
export function describeFailure(error: unknown): string {
  if (MeshError.is(error)) return error.code;
  return error instanceof Error ? error.name : String(error);
}
