import { MeshError, toHandlerError, type JsonObject, type Message, type MeshErrorOptions } from '@agentmesh/core';
import { invalidOption } from '../internal/validate.js';
import type { DeadLetterError, DeadLetterRecord } from './store.js';

/** What a record keeps of an error: its name (the remote one for HANDLER_ERROR), code and message. */
export function errorInfo(error: unknown): DeadLetterError {
  if (MeshError.is(error)) return { name: error.remote?.name ?? error.name, code: error.code, message: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, code: typeof code === 'string' ? code : 'HANDLER_ERROR', message: error.message };
  }
  return { name: typeof error, code: 'HANDLER_ERROR', message: String(error) };
}

/** The parts of a new record. */
export interface RecordParts {
  readonly id: string;
  readonly message: Message;
  readonly target: string;
  readonly from: string | undefined;
  readonly error: unknown;
  readonly attempts: number;
  readonly firstFailedAt: number;
  readonly lastFailedAt: number;
  readonly requestId: string | undefined;
  readonly traceId: string | undefined;
}

/** Builds a record, leaving out the optional fields that are unknown. */
export function buildRecord(parts: RecordParts): DeadLetterRecord {
  const record: { -readonly [K in keyof DeadLetterRecord]: DeadLetterRecord[K] } = {
    id: parts.id,
    message: parts.message,
    target: parts.target,
    error: errorInfo(parts.error),
    attempts: parts.attempts,
    firstFailedAt: parts.firstFailedAt,
    lastFailedAt: parts.lastFailedAt,
  };
  if (parts.from !== undefined) record.from = parts.from;
  if (parts.requestId !== undefined) record.requestId = parts.requestId;
  if (parts.traceId !== undefined) record.traceId = parts.traceId;
  return record;
}

/** Checks the shape a store relies on (INVALID_ARGUMENT otherwise). */
export function checkRecord(record: DeadLetterRecord): void {
  if (typeof record !== 'object' || record === null) throw invalidOption('a dead-letter record must be an object');
  if (typeof record.id !== 'string' || record.id.length === 0) throw invalidOption('record.id must be a non-empty string');
  if (typeof record.target !== 'string') throw invalidOption('record.target must be a string');
  if (typeof record.message !== 'object' || record.message === null) throw invalidOption('record.message must be a message');
  if (typeof record.error !== 'object' || record.error === null) throw invalidOption('record.error must be an object');
  for (const key of ['attempts', 'firstFailedAt', 'lastFailedAt'] as const) {
    if (typeof record[key] !== 'number' || !Number.isFinite(record[key])) throw invalidOption(`record.${key} must be a finite number`);
  }
}

/**
 * The error a caller gets once its message was dead-lettered: same code, message and remote
 * details, plus `details.deadLetterId`, and `retryable: false` (the message is parked in the queue;
 * retrying it as well would deliver it twice).
 */
export function deadLetteredError(error: unknown, target: string, recordId: string): MeshError {
  const base = MeshError.is(error) ? error : toHandlerError(error, target);
  return annotate(base, { ...base.details, deadLetterId: recordId }, false, error);
}

/** The error a caller gets when dead-lettering itself failed: the original, saying so. */
export function notDeadLetteredError(error: unknown, target: string, storeError: unknown): MeshError {
  const base = MeshError.is(error) ? error : toHandlerError(error, target);
  const why = storeError instanceof Error ? storeError.message : String(storeError);
  return annotate(base, { ...base.details, deadLetterFailed: why }, base.retryable, storeError);
}

function annotate(base: MeshError, details: JsonObject, retryable: boolean, cause: unknown): MeshError {
  const options: { -readonly [K in keyof MeshErrorOptions]: MeshErrorOptions[K] } = { retryable, details, cause };
  if (base.retryAfterMs !== undefined) options.retryAfterMs = base.retryAfterMs;
  if (base.remote !== undefined) options.remote = base.remote;
  if (base.agent !== undefined) options.agent = base.agent;
  return new MeshError(base.code, base.message, options);
}
