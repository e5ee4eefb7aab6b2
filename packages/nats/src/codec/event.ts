import { parseEventEnvelope, type EventEnvelope } from '@agentmesh/core';
import { invalidMessage } from '../errors.js';
import { decodeJson, encodeJson, ENVELOPE_SLACK_BYTES } from './json.js';

/** Encodes an event; the topic travels as the subject, not in the body. */
export function encodeEvent(envelope: EventEnvelope): Uint8Array {
  // No `from` key when there is no sender: JSON.stringify skipping an undefined member is slower.
  const body = envelope.from === undefined ? { message: envelope.message, traceId: envelope.traceId } : { message: envelope.message, from: envelope.from, traceId: envelope.traceId };
  return encodeJson(body, 'event');
}

/** Decodes and validates an event that arrived on `topic`. */
export function decodeEvent(topic: string, data: Uint8Array, maxBytes: number): EventEnvelope {
  const body = decodeJson(data, maxBytes + ENVELOPE_SLACK_BYTES, 'event');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidMessage('event must be a JSON object');
  const b = body as Record<string, unknown>;
  return parseEventEnvelope({ topic, message: b['message'], from: b['from'], traceId: b['traceId'] }, maxBytes);
}
