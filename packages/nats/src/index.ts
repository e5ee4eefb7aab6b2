export { NatsTransport } from './transport/nats-transport.js';
export type { NatsTransportStats } from './transport/stats.js';
export {
  DEFAULT_ACCEPTED_NOTICE_AFTER_MS,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_DISCOVER_MAX_WAIT_MS,
  DEFAULT_DISCOVER_QUIET_MS,
  DEFAULT_DURABLE,
  DEFAULT_MAX_COALESCED,
  DEFAULT_MAX_PARKED_REQUESTS,
  DEFAULT_PREFIX,
  DEFAULT_RECONNECT_GRACE_MS,
  DEFAULT_REPLICA_CHECK_INTERVAL_MS,
  DEFAULT_SERVERS,
  type DurableOptions,
  type NatsTransportOptions,
} from './options.js';
export { DEFAULT_CONNECT_OPTIONS } from './transport/connection.js';

export { JetStreamDeadLetterStore } from './dead-letter/jetstream-store.js';
export { DEFAULT_DEAD_LETTER_MAX_AGE_MS, type JetStreamDeadLetterStoreOptions } from './dead-letter/options.js';

export { Subjects } from './subjects.js';
export { Header } from './codec/headers.js';
export { silentLogger, type TransportLogger } from './logger.js';
