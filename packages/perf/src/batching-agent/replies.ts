import { MeshError, type HandlerResult, type Message } from '@agentmesh/core';

/** One reply of a batch: what a handler may return, or an Error that fails that caller alone. */
export type BatchReply = HandlerResult | Error;

/**
 * What `processBatch` returns: an array with one reply per message, in order, or a Map from
 * request message id to its reply (a caller whose message id is missing fails with HANDLER_ERROR).
 */
export type BatchReplies = readonly BatchReply[] | ReadonlyMap<string, BatchReply>;

/** The replies in message order: a Map is looked up by message id, an array passes as is. */
export function repliesInOrder(messages: readonly Message[], replies: BatchReplies, agent: string): readonly BatchReply[] {
  if (!(replies instanceof Map)) return replies as readonly BatchReply[];
  const byId = replies as ReadonlyMap<string, BatchReply>;
  return messages.map((message) => (byId.has(message.id) ? byId.get(message.id) : missingReply(message.id, agent)));
}

function missingReply(id: string, agent: string): MeshError {
  return new MeshError('HANDLER_ERROR', `agent "${agent}" gave no reply for message "${id}" in its batch`, {
    agent,
    details: { messageId: id },
  });
}
