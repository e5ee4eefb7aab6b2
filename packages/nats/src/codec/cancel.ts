import { MeshError, parseSerializedError } from '@agentmesh/core';
import { invalidMessage } from '../errors.js';
import { decodeJson, encodeJson } from './json.js';

const MAX_CANCEL_BYTES = 16 * 1024;

/** A cancellation: which request (by its reply subject, unguessable and unique) and why. */
export interface CancelNotice {
  readonly reply: string;
  readonly reason: MeshError;
}

/** Encodes a cancellation notice. */
export function encodeCancel(reply: string, reason: MeshError): Uint8Array {
  return encodeJson({ reply, error: reason.toJSON() }, 'cancellation');
}

/** Decodes and validates a cancellation notice. */
export function decodeCancel(data: Uint8Array): CancelNotice {
  const value = decodeJson(data, MAX_CANCEL_BYTES, 'cancellation');
  if (typeof value !== 'object' || value === null) throw invalidMessage('cancellation must be a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v['reply'] !== 'string' || v['reply'] === '') throw invalidMessage('cancellation.reply must be a non-empty string');
  return { reply: v['reply'], reason: MeshError.fromJSON(parseSerializedError(v['error'])) };
}
