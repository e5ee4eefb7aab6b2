import { MeshError, type EventEnvelope } from '@agentmesh/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeEvent } from '../codec/event.js';
import { fromNatsError } from '../errors.js';
import { isSubjectPath, type Subjects } from '../subjects.js';

const RESOLVED = Promise.resolve();

/**
 * Publishes an event on `<prefix>.event.<topic>` (core NATS, at-most-once; JetStream keeps it too
 * when a durable subscription made the event stream exist). Resolves once nats.js buffered it.
 */
export function publishEvent(nc: NatsConnection, subjects: Subjects, envelope: EventEnvelope): Promise<void> {
  // One regex, not core's assertTopic: the mesh has validated the topic already; this only keeps
  // direct callers from publishing to wildcard or malformed subjects.
  if (!isSubjectPath(envelope.topic)) return Promise.reject(new MeshError('INVALID_ARGUMENT', `invalid topic ${JSON.stringify(envelope.topic)}`));
  try {
    nc.publish(subjects.event(envelope.topic), encodeEvent(envelope));
  } catch (error) {
    return Promise.reject(fromNatsError(error, `publish on "${envelope.topic}"`));
  }
  return RESOLVED;
}
