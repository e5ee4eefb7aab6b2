import type { JsonObject, JsonValue, Message, MeshError } from '@agentmesh/core';
import { nextId } from '@agentmesh/core';

/** The protocol name request-reply messages carry in `metadata.protocol`. */
export const REQUEST_REPLY_PROTOCOL = 'agentmesh.request-reply';

/**
 * What a reply message is, in `metadata.replyKind`: the answer, an acknowledgement that the answer
 * will come later in its own message, a progress frame of such a later answer, or a failure.
 */
export type ReplyKind = 'result' | 'deferred' | 'progress' | 'error';

/** The reply facts carried in a reply message's metadata. */
export interface ReplyMeta {
  readonly inReplyTo: string;
  readonly kind: ReplyKind;
}

/**
 * A request: the payload as content, and in metadata the protocol, request id, request type and
 * who to answer. The caller's own metadata travels too, but cannot override those keys.
 */
export function requestMessage(requestId: string, requestType: string, replyTo: string, payload: JsonValue, extra: JsonObject | undefined): Message {
  const metadata: JsonObject =
    extra === undefined
      ? { protocol: REQUEST_REPLY_PROTOCOL, requestId, requestType, replyTo }
      : { ...extra, protocol: REQUEST_REPLY_PROTOCOL, requestId, requestType, replyTo };
  return { id: requestId, role: 'user', content: payload, metadata };
}

/**
 * A reply of `kind` to request `inReplyTo`. A direct reply (the answer or the deferral) is the
 * only one of its kind for its request, so its id derives from the request's; replies sent on
 * their own (progress frames, later answers) get fresh ids.
 */
export function replyMessage(inReplyTo: string, kind: ReplyKind, content: JsonValue, error?: MeshError, direct = false): Message {
  const metadata: JsonObject = { protocol: REQUEST_REPLY_PROTOCOL, inReplyTo, replyKind: kind };
  if (error !== undefined) metadata['error'] = error.toJSON() as unknown as JsonObject;
  return { id: direct ? `${inReplyTo}.reply` : nextId(), role: 'assistant', content, metadata };
}

/**
 * The direct answer to request `requestId`: the call's own reply, so it needs no protocol
 * metadata (the caller knows what it answers; only a deferral says more).
 */
export function directAnswer(requestId: string, content: JsonValue): Message {
  return { id: `${requestId}.reply`, role: 'assistant', content, metadata: {} };
}

/** The request type of `message`, or undefined when it is not a request of this protocol (it allocates nothing). */
export function requestTypeOf(message: Message): string | undefined {
  const m = message.metadata;
  const requestType = m['requestType'];
  return m['protocol'] === REQUEST_REPLY_PROTOCOL && typeof m['requestId'] === 'string' && typeof requestType === 'string' ? requestType : undefined;
}

/** The request id of a message {@link requestTypeOf} accepted. */
export function requestIdOf(message: Message): string {
  return message.metadata['requestId'] as string;
}

/** The agent waiting for the answer to a request message, if it names one. */
export function replyToOf(message: Message): string | undefined {
  const replyTo = message.metadata['replyTo'];
  return typeof replyTo === 'string' ? replyTo : undefined;
}

const KINDS: ReadonlySet<unknown> = new Set<ReplyKind>(['result', 'deferred', 'progress', 'error']);

/** The reply facts of `message`, or undefined when it is not a reply of this protocol. */
export function readReply(message: Message): ReplyMeta | undefined {
  const m = message.metadata;
  const inReplyTo = m['inReplyTo'];
  if (m['protocol'] !== REQUEST_REPLY_PROTOCOL || typeof inReplyTo !== 'string') return undefined;
  const kind = m['replyKind'] ?? 'result';
  return KINDS.has(kind) ? { inReplyTo, kind: kind as ReplyKind } : undefined;
}

/** True when a direct reply only says "the answer comes later". */
export function isDeferredAck(message: Message): boolean {
  return message.metadata['replyKind'] === 'deferred' && message.metadata['protocol'] === REQUEST_REPLY_PROTOCOL;
}
