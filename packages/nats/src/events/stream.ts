import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { DiscardPolicy, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { fromNatsError } from '../errors.js';

/** True when a JetStream API error means "not found" (stream, consumer or message). */
export function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 10059 || code === 10014 || code === 10037 || (error instanceof Error && error.name === 'StreamNotFoundError');
}

/** A JetStream manager for `nc`, mapping failure (no JetStream on the server) to TRANSPORT_ERROR. */
export async function manager(nc: NatsConnection): Promise<JetStreamManager> {
  try {
    return await jetstreamManager(nc);
  } catch (error) {
    throw fromNatsError(error, 'JetStream is not available');
  }
}

/** What {@link ensureStream} creates when the stream does not exist. */
export type StreamSpec = Pick<StreamConfig, 'name' | 'subjects'> & Partial<StreamConfig>;

/**
 * Looks the stream up and creates it when missing (idempotent under races: a concurrent creator
 * with the same configuration wins harmlessly). An existing stream is used as it is, so operators
 * may tune limits and replicas without the transport undoing it.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  try {
    await jsm.streams.info(spec.name);
    return;
  } catch (error) {
    if (!isNotFound(error)) throw fromNatsError(error, `stream "${spec.name}"`);
  }
  try {
    await jsm.streams.add({ storage: StorageType.File, discard: DiscardPolicy.Old, ...spec });
  } catch (error) {
    try {
      await jsm.streams.info(spec.name);
    } catch {
      throw fromNatsError(error, `could not create stream "${spec.name}"`);
    }
  }
}

/**
 * The stream behind durable subscriptions: captures every event under the prefix, keeps each only
 * while some durable consumer still has to acknowledge it (interest retention), and at most
 * `retentionMs` in any case.
 */
export function eventStreamSpec(name: string, subject: string, retentionMs: number): StreamSpec {
  return { name, subjects: [subject], retention: RetentionPolicy.Interest, max_age: nanos(retentionMs) };
}
