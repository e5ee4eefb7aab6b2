import { createMessage, MeshError, type Message } from '@agentmesh/core';
import { EVENT_TARGET_PREFIX, type DeadLetterError, type DeadLetterRecord } from '@agentmesh/resilience';
import type { JsMsg } from '@nats-io/jetstream';
import { decodeEvent } from '../codec/event.js';

/** Why a durable delivery failed, and on which attempt. */
export interface DeliveryFailure {
  readonly error: unknown;
  readonly attempt: number;
  /** When this subscriber first saw it fail (epoch ms), if it remembers. */
  readonly firstFailedAt?: number | undefined;
}

/**
 * The dead-letter record of an event: its message (or, for bytes that are not a valid event, a
 * `system` message holding them in base64), `target` = `event:<topic>` (never an agent name, so
 * a queue replay refuses it rather than sending the event to an agent; republish it instead), the
 * error, attempts, and an id naming the stream position and publish time, so a redelivered dead
 * letter overwrites its own record instead of duplicating it, and a recreated stream (whose
 * sequence numbers start over) does not overwrite older ones.
 */
export function deadLetterFor(m: JsMsg, topic: string, durable: string, failure: DeliveryFailure): DeadLetterRecord {
  const now = Date.now();
  let message: Message;
  let from: string | undefined;
  let traceId: string | undefined;
  try {
    const event = decodeEvent(topic, m.data, Number.MAX_SAFE_INTEGER);
    message = event.message;
    from = event.from;
    traceId = event.traceId;
  } catch {
    message = createMessage({ role: 'system', content: Buffer.from(m.data).toString('base64'), metadata: { encoding: 'base64', subject: m.subject } });
  }
  const record: { -readonly [K in keyof DeadLetterRecord]: DeadLetterRecord[K] } = {
    id: `${m.info.stream}.${durable}.${m.info.streamSequence}.${m.info.timestampNanos}`,
    message,
    target: `${EVENT_TARGET_PREFIX}${topic}`,
    error: describe(failure.error, durable),
    attempts: failure.attempt,
    firstFailedAt: failure.firstFailedAt ?? now,
    lastFailedAt: now,
  };
  if (from !== undefined) record.from = from;
  if (traceId !== undefined) record.traceId = traceId;
  return record;
}

/**
 * A record for an event whose full record the store refused (too large for it): the subject,
 * stream position, size and the first bytes in base64, so nothing is dropped without a trace.
 */
export function truncatedDeadLetter(full: DeadLetterRecord, m: JsMsg, storeError: unknown): DeadLetterRecord {
  const head = Buffer.from(m.data.subarray(0, TRUNCATED_BYTES)).toString('base64');
  const why = storeError instanceof Error ? storeError.message : String(storeError);
  return {
    ...full,
    message: createMessage({
      role: 'system',
      content: head,
      metadata: { encoding: 'base64', truncated: true, bytes: m.data.byteLength, subject: m.subject, stream: m.info.stream, sequence: m.info.streamSequence, storeError: why },
    }),
  };
}

/** How much of an event a truncated dead-letter record keeps. */
const TRUNCATED_BYTES = 4096;

function describe(error: unknown, durable: string): DeadLetterError {
  const where = `durable subscriber "${durable}"`;
  if (MeshError.is(error)) return { name: error.remote?.name ?? error.name, code: error.code, message: `${where}: ${error.message}` };
  const e = error instanceof Error ? error : undefined;
  const code = (error as { code?: unknown } | null)?.code;
  return {
    name: e?.name ?? typeof error,
    code: typeof code === 'string' || typeof code === 'number' ? String(code) : 'HANDLER_ERROR',
    message: `${where}: ${e?.message ?? String(error)}`,
  };
}
