import { Cancellation, MeshError, RequestContext, createMessage, nextId, type EventInfo, type JsonValue, type Mesh, type Message } from '@agentmesh/core';
import type { ObservedEvent } from './types.js';

/** Metadata flag of events delivered directly by the notifier (`await: true`): subscriptions skip them. */
const DIRECT = 'direct';

/** Builds an event message: the data as content; event, source and depth in metadata. */
export function eventMessage(event: string, data: JsonValue, source: string, depth: number, direct: boolean): Message {
  const metadata = direct ? { event, source, depth, [DIRECT]: true } : { event, source, depth };
  return createMessage({ content: data, metadata });
}

/** True for events the notifier delivers itself. */
export function isDirect(message: Message): boolean {
  return message.metadata[DIRECT] === true;
}

/** The call depth the notification was made at (carried so notification loops still hit MAX_DEPTH). */
export function eventDepth(message: Message): number {
  const depth = message.metadata['depth'];
  return typeof depth === 'number' && Number.isSafeInteger(depth) && depth >= 0 ? depth : 0;
}

/**
 * Reads an event message (what an observer agent receives). Throws INVALID_MESSAGE for anything
 * else.
 */
export function readObservedEvent(message: Message): ObservedEvent {
  const { event, source } = message.metadata;
  if (typeof event !== 'string' || typeof source !== 'string') {
    throw new MeshError('INVALID_MESSAGE', 'not an observer event: expected metadata.event and metadata.source');
  }
  return { event, data: message.content, source, message };
}

/**
 * The context of a fire-and-forget delivery: the notifier's trace and depth (so notification loops
 * still stop at MAX_DEPTH), sent by `source`, with a fresh cancellation and no deadline of the
 * notifier's: the event has happened, and its delivery outlives the request that reported it.
 */
export function deliveryContext(message: Message, info: EventInfo, source: string, mesh: Mesh): RequestContext {
  return new RequestContext({
    requestId: nextId(),
    agentName: source,
    depth: eventDepth(message),
    traceId: info.traceId ?? nextId(),
    spanId: nextId(),
    cancellation: new Cancellation(),
    logger: mesh.logger,
    clock: mesh.clock,
  });
}
