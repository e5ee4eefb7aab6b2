import { DEFAULT_MAX_MESSAGE_BYTES, MeshError } from '@agentmesh/core';
import type { DeadLetterStore } from '@agentmesh/resilience';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { MAX_BATCH_MEMBERS } from './codec/batch.js';
import { silentLogger, type TransportLogger } from './logger.js';

/** Default subject prefix. */
export const DEFAULT_PREFIX = 'agentmesh';
/** Default server when neither `servers` nor `connection` is given. */
export const DEFAULT_SERVERS = '127.0.0.1:4222';
/** Default bound on how long close() waits for in-flight work before cancelling it. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/** Default: discovery stops once no transport answered for this long. */
export const DEFAULT_DISCOVER_QUIET_MS = 100;
/** Default: discovery stops after this long in any case. */
export const DEFAULT_DISCOVER_MAX_WAIT_MS = 1_000;
/** Default time after a reconnect during which "no responders" is asked again, not AGENT_NOT_FOUND. */
export const DEFAULT_RECONNECT_GRACE_MS = 2_000;
/** Default: a request still running after this long is announced to its caller (see ReplicaWatch). */
export const DEFAULT_ACCEPTED_NOTICE_AFTER_MS = 500;
/** Default: how often a caller checks that replicas running its announced requests are alive. */
export const DEFAULT_REPLICA_CHECK_INTERVAL_MS = 1_000;
/** Default: most requests (or replies) sent together in one NATS message. */
export const DEFAULT_MAX_COALESCED = 64;
/** Default number of requests parked while the connection is down. */
export const DEFAULT_MAX_PARKED_REQUESTS = 10_000;

/** Defaults of {@link DurableOptions}. */
export const DEFAULT_DURABLE = {
  maxDeliver: 5,
  backoffMs: 500,
  maxBackoffMs: 60_000,
  ackWaitMs: 30_000,
  maxAckPending: 256,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
} as const;

/** Settings for durable (JetStream) subscriptions: `subscribe(topic, handler, { durable })`. */
export interface DurableOptions {
  /** Deliveries before an event is dead-lettered (the first delivery counts). @default 5 */
  readonly maxDeliver?: number;
  /** Redelivery delay after the first failure; doubles per attempt, ±20% jitter. @default 500 */
  readonly backoffMs?: number;
  /** Longest redelivery delay. @default 60_000 */
  readonly maxBackoffMs?: number;
  /** The server redelivers an event not acknowledged within this; running handlers extend it. @default 30_000 */
  readonly ackWaitMs?: number;
  /** Unacknowledged events in flight per durable name (its concurrency). @default 256 */
  readonly maxAckPending?: number;
  /** Longest an event waits in the event stream for a durable subscriber. @default 7 days */
  readonly retentionMs?: number;
  /**
   * Where events that exhausted `maxDeliver` go.
   * @default a JetStreamDeadLetterStore on this connection and prefix (`<prefix>.dlq.*`)
   */
  readonly deadLetterStore?: DeadLetterStore;
}

/** Options for {@link NatsTransport}. Give `servers` or an open `connection`, not both. */
export interface NatsTransportOptions {
  /** NATS servers to connect to. @default "127.0.0.1:4222" (when no `connection` is given) */
  readonly servers?: string | string[];
  /** An open nats.js connection to use instead of connecting. @default none */
  readonly connection?: NatsConnection;
  /** Close a given `connection` on close() (a connection the transport opened is always closed). @default false */
  readonly closeConnection?: boolean;
  /** Extra nats.js options (auth, TLS, reconnect) for a connection the transport opens. @default DEFAULT_CONNECT_OPTIONS */
  readonly connectOptions?: Partial<NodeConnectionOptions>;
  /** Subject prefix: meshes on one NATS server with different prefixes never see each other. @default "agentmesh" */
  readonly prefix?: string;
  /** Connection name shown by the server's monitoring. @default "agentmesh" */
  readonly name?: string;
  /** Largest message accepted at ingress, in UTF-8 bytes of its JSON form. @default DEFAULT_MAX_MESSAGE_BYTES (1 MiB) */
  readonly maxMessageBytes?: number;
  /** Structured logger (a pino logger fits). @default a logger that logs nothing */
  readonly logger?: TransportLogger;
  /** Prefix of the reply inbox (match your server's permissions). @default "_INBOX" */
  readonly inboxPrefix?: string;
  /** Bound on how long close() waits for in-flight requests and handlers. @default DEFAULT_CLOSE_TIMEOUT_MS (10 s) */
  readonly closeTimeoutMs?: number;
  /** Discovery stops once no transport answered for this long. @default DEFAULT_DISCOVER_QUIET_MS (100 ms) */
  readonly discoverQuietMs?: number;
  /** Discovery stops after this long in any case. @default DEFAULT_DISCOVER_MAX_WAIT_MS (1 s) */
  readonly discoverMaxWaitMs?: number;
  /** Requests kept while the connection is down (sent on reconnect); more fail TRANSPORT_ERROR. @default DEFAULT_MAX_PARKED_REQUESTS (10 000) */
  readonly maxParkedRequests?: number;
  /**
   * After a reconnect, serving replicas may re-subscribe a little later than this caller: for this
   * long, a request nobody answers is sent again (every 50 ms, within its deadline) instead of
   * failing AGENT_NOT_FOUND. @default DEFAULT_RECONNECT_GRACE_MS (2 s)
   */
  readonly reconnectGraceMs?: number;
  /**
   * A request still running after this long is announced to its caller with the serving
   * instance's id, so the caller can notice that replica dying. @default DEFAULT_ACCEPTED_NOTICE_AFTER_MS (500 ms)
   */
  readonly acceptedNoticeAfterMs?: number;
  /**
   * How often a caller probes the replicas running its announced requests; a replica that is gone
   * fails them at once with a retryable TRANSPORT_ERROR instead of leaving them to their deadline.
   * @default DEFAULT_REPLICA_CHECK_INTERVAL_MS (1 s)
   */
  readonly replicaCheckIntervalMs?: number;
  /**
   * Most requests to one agent sent together in one NATS message, when several are sent in the
   * same turn of the event loop and the agent answers at once (see the README's Coalescing). 1
   * stops this transport from batching the requests it sends and its replies to lone requests,
   * for serving sides that read no batches; it still reads the batches other transports send.
   * @default DEFAULT_MAX_COALESCED (64)
   */
  readonly maxCoalesced?: number;
  /** Durable subscription settings. @default DEFAULT_DURABLE */
  readonly durable?: DurableOptions;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly prefix: string;
  readonly name: string;
  readonly maxBytes: number;
  readonly logger: TransportLogger;
  readonly inboxPrefix: string;
  readonly closeTimeoutMs: number;
  readonly discoverQuietMs: number;
  readonly discoverMaxWaitMs: number;
  readonly maxParked: number;
  readonly reconnectGraceMs: number;
  readonly acceptedNoticeAfterMs: number;
  readonly replicaCheckIntervalMs: number;
  readonly maxCoalesced: number;
  readonly durable: Required<Omit<DurableOptions, 'deadLetterStore'>> & { readonly deadLetterStore: DeadLetterStore | undefined };
}

/** Applies defaults and checks every number; INVALID_ARGUMENT for a bad one. */
export function resolveOptions(o: NatsTransportOptions): ResolvedOptions {
  if (o.servers !== undefined && o.connection !== undefined) throw new MeshError('INVALID_ARGUMENT', 'give either servers or connection, not both');
  const d = o.durable ?? {};
  return {
    prefix: o.prefix ?? DEFAULT_PREFIX,
    name: o.name ?? 'agentmesh',
    maxBytes: positive(o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, 'maxMessageBytes'),
    logger: o.logger ?? silentLogger,
    inboxPrefix: o.inboxPrefix ?? '_INBOX',
    closeTimeoutMs: positive(o.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, 'closeTimeoutMs'),
    discoverQuietMs: positive(o.discoverQuietMs ?? DEFAULT_DISCOVER_QUIET_MS, 'discoverQuietMs'),
    discoverMaxWaitMs: positive(o.discoverMaxWaitMs ?? DEFAULT_DISCOVER_MAX_WAIT_MS, 'discoverMaxWaitMs'),
    maxParked: positive(o.maxParkedRequests ?? DEFAULT_MAX_PARKED_REQUESTS, 'maxParkedRequests'),
    reconnectGraceMs: nonNegative(o.reconnectGraceMs ?? DEFAULT_RECONNECT_GRACE_MS, 'reconnectGraceMs'),
    acceptedNoticeAfterMs: nonNegative(o.acceptedNoticeAfterMs ?? DEFAULT_ACCEPTED_NOTICE_AFTER_MS, 'acceptedNoticeAfterMs'),
    replicaCheckIntervalMs: positive(o.replicaCheckIntervalMs ?? DEFAULT_REPLICA_CHECK_INTERVAL_MS, 'replicaCheckIntervalMs'),
    maxCoalesced: count(o.maxCoalesced ?? DEFAULT_MAX_COALESCED, 'maxCoalesced', MAX_BATCH_MEMBERS),
    durable: {
      maxDeliver: positive(d.maxDeliver ?? DEFAULT_DURABLE.maxDeliver, 'durable.maxDeliver'),
      backoffMs: positive(d.backoffMs ?? DEFAULT_DURABLE.backoffMs, 'durable.backoffMs'),
      maxBackoffMs: positive(d.maxBackoffMs ?? DEFAULT_DURABLE.maxBackoffMs, 'durable.maxBackoffMs'),
      ackWaitMs: positive(d.ackWaitMs ?? DEFAULT_DURABLE.ackWaitMs, 'durable.ackWaitMs'),
      maxAckPending: positive(d.maxAckPending ?? DEFAULT_DURABLE.maxAckPending, 'durable.maxAckPending'),
      retentionMs: positive(d.retentionMs ?? DEFAULT_DURABLE.retentionMs, 'durable.retentionMs'),
      deadLetterStore: d.deadLetterStore,
    },
  };
}

function count(value: number, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new MeshError('INVALID_ARGUMENT', `${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

function nonNegative(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MeshError('INVALID_ARGUMENT', `${name} must be a non-negative finite number, got ${String(value)}`);
  }
  return value;
}

function positive(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MeshError('INVALID_ARGUMENT', `${name} must be a positive finite number, got ${String(value)}`);
  }
  return value;
}
