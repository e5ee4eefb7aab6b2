import { parseReplyEnvelope, type JsonValue, type ReplyEnvelope } from '@agentmesh/core';
import { invalidMessage } from '../errors.js';
import { decodeJson, encodeJson, ENVELOPE_SLACK_BYTES, stringifyJson } from './json.js';

/** Encodes a reply envelope (the final frame: sent without headers, so the common case is cheapest). */
export function encodeReply(reply: ReplyEnvelope): Uint8Array {
  return encodeJson(reply, 'reply');
}

/** The JSON text of a reply envelope, for a batch of replies. */
export function replyText(reply: ReplyEnvelope): string {
  return stringifyJson(reply, 'reply');
}

/** Decodes and validates a reply (bytes, or text of `size` bytes) that is not for one request in particular. */
export function decodeAnyReply(data: Uint8Array | string, maxBytes: number, size?: number): ReplyEnvelope {
  return parseReplyEnvelope(decodeJson(data, maxBytes + ENVELOPE_SLACK_BYTES, 'reply', size), maxBytes);
}

/** Decodes and validates the reply to request `expectedId`; INVALID_MESSAGE if it is not one. */
export function decodeReply(data: Uint8Array | string, maxBytes: number, expectedId: string, size?: number): ReplyEnvelope {
  const reply = decodeAnyReply(data, maxBytes, size);
  if (reply.id !== expectedId) throw invalidMessage(`reply is for request "${reply.id}", expected "${expectedId}"`);
  return reply;
}

/** Encodes one progress frame's data. */
export function encodeProgress(data: JsonValue): Uint8Array {
  return encodeJson(data, 'progress');
}

/** Decodes one progress frame's data (bytes, or text of `size` bytes). */
export function decodeProgress(data: Uint8Array | string, maxBytes: number, size?: number): JsonValue {
  return decodeJson(data, maxBytes, 'progress frame', size) as JsonValue;
}

/** The JSON text of one progress frame's data, for a batch. */
export function progressText(data: JsonValue): string {
  return stringifyJson(data, 'progress');
}
