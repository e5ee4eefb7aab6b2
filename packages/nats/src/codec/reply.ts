import { parseReplyEnvelope, type JsonValue, type ReplyEnvelope } from '@agentmesh/core';
import { invalidMessage } from '../errors.js';
import { decodeJson, encodeJson, ENVELOPE_SLACK_BYTES } from './json.js';

/** Encodes a reply envelope (the final frame: sent without headers, so the common case is cheapest). */
export function encodeReply(reply: ReplyEnvelope): Uint8Array {
  return encodeJson(reply, 'reply');
}

/** Decodes and validates a reply from the wire; INVALID_MESSAGE if it is not one. */
export function decodeReply(data: Uint8Array, maxBytes: number, expectedId: string): ReplyEnvelope {
  const reply = parseReplyEnvelope(decodeJson(data, maxBytes + ENVELOPE_SLACK_BYTES, 'reply'), maxBytes);
  if (reply.id !== expectedId) throw invalidMessage(`reply is for request "${reply.id}", expected "${expectedId}"`);
  return reply;
}

/** Encodes one progress frame's data. */
export function encodeProgress(data: JsonValue): Uint8Array {
  return encodeJson(data, 'progress');
}

/** Decodes one progress frame's data. */
export function decodeProgress(data: Uint8Array, maxBytes: number): JsonValue {
  return decodeJson(data, maxBytes, 'progress frame') as JsonValue;
}
