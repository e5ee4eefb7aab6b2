import { MeshError } from '@agentmesh/core';

/** CLOSED: this transport (or store) was closed by its owner. */
export function closedError(what = 'the NATS transport'): MeshError {
  return MeshError.withoutStack('CLOSED', `${what} is closed`);
}

/** TRANSPORT_ERROR: the wire failed; retryable, the next attempt may find the connection back. */
export function transportError(message: string, cause?: unknown): MeshError {
  return new MeshError('TRANSPORT_ERROR', message, cause === undefined ? {} : { cause });
}

/** INVALID_MESSAGE for bytes or shapes that failed ingress validation. */
export function invalidMessage(message: string, cause?: unknown): MeshError {
  return new MeshError('INVALID_MESSAGE', message, cause === undefined ? {} : { cause });
}

/**
 * Maps whatever nats.js threw to a MeshError: a payload over the server's `max_payload` is
 * INVALID_MESSAGE (retrying cannot help), everything else TRANSPORT_ERROR keeping the cause.
 */
export function fromNatsError(error: unknown, doing: string): MeshError {
  if (MeshError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('max_payload')) return invalidMessage(`${doing}: the payload exceeds the NATS server's max_payload`, error);
  return transportError(`${doing}: ${message}`, error);
}

/** True when a nats.js request failed with "no responders" (possibly as the cause). */
export function isNoRespondersError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.name === 'NoRespondersError' || e.message.includes('no responders')) return true;
  }
  return false;
}
