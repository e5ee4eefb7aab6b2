import { assertValidMessage, MeshError } from '@agentmesh/core';
import type { DeadLetterError, DeadLetterRecord } from '@agentmesh/resilience';

/** A subject token for a record id: base64url of its UTF-8 bytes (any id, always a valid token). */
export function recordKey(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/**
 * Validates a dead-letter record, both before it is stored and when it is read back (a stream is
 * shared storage: anyone with access could have written to it). Throws INVALID_MESSAGE.
 */
export function parseDeadLetterRecord(value: unknown, maxMessageBytes: number): DeadLetterRecord {
  const v = object(value, 'dead-letter record');
  const e = object(v['error'], 'dead-letter record.error');
  const error: DeadLetterError = { name: string(e, 'name'), code: string(e, 'code'), message: string(e, 'message') };
  const record: { -readonly [K in keyof DeadLetterRecord]: DeadLetterRecord[K] } = {
    id: text(v, 'id'),
    message: assertValidMessage(v['message'], maxMessageBytes, 'dead-letter record.message'),
    target: string(v, 'target'),
    error,
    attempts: count(v, 'attempts'),
    firstFailedAt: count(v, 'firstFailedAt'),
    lastFailedAt: count(v, 'lastFailedAt'),
  };
  for (const key of ['from', 'requestId', 'traceId'] as const) {
    if (v[key] !== undefined) record[key] = text(v, key);
  }
  return record;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function string(v: Record<string, unknown>, key: string): string {
  const x = v[key];
  if (typeof x !== 'string') throw invalid(`dead-letter record field "${key}" must be a string`);
  return x;
}

function text(v: Record<string, unknown>, key: string): string {
  const x = string(v, key);
  if (x.length === 0) throw invalid(`dead-letter record field "${key}" must not be empty`);
  return x;
}

function count(v: Record<string, unknown>, key: string): number {
  const x = v[key];
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw invalid(`dead-letter record field "${key}" must be a non-negative number`);
  return x;
}

function invalid(message: string): MeshError {
  return new MeshError('INVALID_MESSAGE', message);
}
