import { MeshError, parseSerializedError, type Message } from '@agentmesh/core';
import { invalidMessage } from '../shared/errors.js';

/** TIMEOUT for a request whose callee went quiet for longer than its idle budget. */
export function idleTimeout(type: string, to: string, requestId: string, idleMs: number): MeshError {
  return MeshError.withoutStack('TIMEOUT', `request "${type}" to "${to}" made no progress for ${idleMs} ms`, {
    agent: to,
    details: { requestId, idleMs },
  });
}

/** TIMEOUT for a request whose deferred answer did not come before its deadline. */
export function replyTimeout(type: string, to: string, requestId: string, deadline: number): MeshError {
  return MeshError.withoutStack('TIMEOUT', `request "${type}" to "${to}" got no reply before its deadline (${new Date(deadline).toISOString()})`, {
    agent: to,
    details: { requestId },
  });
}

/** NO_HANDLER for a request type the agent does not serve, naming the types it does. */
export function unknownRequestType(agent: string, type: string, served: readonly string[]): MeshError {
  return new MeshError('NO_HANDLER', `agent "${agent}" has no handler for request type "${type}" (it serves: ${served.join(', ')})`, {
    agent,
    details: { requestType: type, served: [...served] },
  });
}

/** The MeshError an `error` reply carries; INVALID_MESSAGE when it carries none that can be read. */
export function errorOfReply(message: Message, peer: string): MeshError {
  try {
    return MeshError.fromJSON(parseSerializedError(message.metadata['error']));
  } catch {
    return invalidMessage(`agent "${peer}" sent an error reply without a readable error`, peer);
  }
}
