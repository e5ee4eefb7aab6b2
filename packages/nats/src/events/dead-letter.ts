import { createMessage, MeshError, type Message } from '@agentmesh/core';
import type { DeadLetterError, DeadLetterRecord } from '@agentmesh/resilience';
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
 * `system` message holding them in base64), `target` = the topic (so a replay can republish it),
 * the error, attempts, and an id naming the stream position, so a redelivered dead letter
 * overwrites its own record instead of duplicating it.
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
    id: `${m.info.stream}.${durable}.${m.info.streamSequence}`,
    message,
    target: topic,
    error: describe(failure.error, durable),
    attempts: failure.attempt,
    firstFailedAt: failure.firstFailedAt ?? now,
    lastFailedAt: now,
  };
  if (from !== undefined) record.from = from;
  if (traceId !== undefined) record.traceId = traceId;
  return record;
}

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
