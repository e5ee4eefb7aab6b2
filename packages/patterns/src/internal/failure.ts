import { MeshError, toHandlerError, type MeshErrorCode, type RemoteErrorInfo } from '@agentmesh/core';

/** A failure reduced to plain JSON facts: what a pattern reports per hop. */
export interface FailureInfo {
  readonly code: MeshErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  /** The original error on the remote side, for HANDLER_ERROR. */
  readonly remote?: RemoteErrorInfo;
}

/** Anything a hop or a local callback threw, as a MeshError (a MeshError passes unchanged). */
export function asMeshError(thrown: unknown, agent: string): MeshError {
  return MeshError.is(thrown) ? thrown : toHandlerError(thrown, agent);
}

/** The JSON facts of an error: code, message, retryability and the remote error when known. */
export function describeFailure(error: MeshError): FailureInfo {
  return error.remote === undefined
    ? { code: error.code, message: error.message, retryable: error.retryable }
    : { code: error.code, message: error.message, retryable: error.retryable, remote: error.remote };
}

/**
 * A local callback's failure (a reducer or observer function): a MeshError keeps its code,
 * anything else becomes HANDLER_ERROR naming `what` failed, keeping the original name and message.
 */
export function callbackError(thrown: unknown, what: string): MeshError {
  if (MeshError.is(thrown)) return thrown;
  const inner = toHandlerError(thrown, what);
  const remote = inner.remote ?? { name: 'Error', message: String(thrown) };
  return new MeshError('HANDLER_ERROR', `${what} failed: ${remote.name}: ${remote.message}`, {
    retryable: inner.retryable,
    remote,
    cause: thrown,
  });
}
