import { MeshError } from '@agentmesh/core';
import type { ConsumerConfig, JetStreamManager } from '@nats-io/jetstream';
import { fromNatsError } from '../errors.js';
import { isNotFound } from './stream.js';

/**
 * Creates the durable consumer, or joins it when it exists for the same topic. A durable name
 * already following another topic is refused (INVALID_ARGUMENT) rather than silently re-pointed,
 * which would strand the events it still owes its current subscribers. Joining brings the
 * consumer's ack wait and in-flight limit up to date: the server redelivers by its own `ack_wait`,
 * and this subscriber keeps long handlers alive on its own schedule, so the two must agree or a
 * running event is handed out again.
 */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig> & { durable_name: string; filter_subject: string }): Promise<void> {
  const name = config.durable_name;
  try {
    const existing = await jsm.consumers.info(stream, name);
    if (existing.config.filter_subject !== config.filter_subject) {
      throw new MeshError('INVALID_ARGUMENT', `durable "${name}" already follows ${existing.config.filter_subject ?? 'another subject'}, not ${config.filter_subject}`);
    }
    const changed: Partial<ConsumerConfig> = {};
    if (config.ack_wait !== undefined && existing.config.ack_wait !== config.ack_wait) changed.ack_wait = config.ack_wait;
    if (config.max_ack_pending !== undefined && existing.config.max_ack_pending !== config.max_ack_pending) changed.max_ack_pending = config.max_ack_pending;
    if (Object.keys(changed).length > 0) {
      try {
        await jsm.consumers.update(stream, name, changed);
      } catch (error) {
        throw fromNatsError(error, `could not update durable "${name}"`);
      }
    }
    return;
  } catch (error) {
    if (MeshError.is(error)) throw error;
    if (!isNotFound(error)) throw fromNatsError(error, `durable "${name}"`);
  }
  try {
    await jsm.consumers.add(stream, config);
  } catch (error) {
    throw fromNatsError(error, `could not create durable "${name}"`);
  }
}
