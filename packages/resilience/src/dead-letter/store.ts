import type { Message } from '@agentmesh/core';

/** What went wrong, as kept in a dead-letter record. */
export interface DeadLetterError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

/** One message that could not be delivered, with everything needed to understand and replay it. */
export interface DeadLetterRecord {
  readonly id: string;
  readonly message: Message;
  /**
   * The agent the message was for, or {@link EVENT_TARGET_PREFIX} + the topic for an event a
   * durable subscriber could not handle (replayed by publishing it again, not by a queue replay).
   */
  readonly target: string;
  /** The sending agent, when known. */
  readonly from?: string;
  readonly error: DeadLetterError;
  /** Delivery attempts made so far (including replays). */
  readonly attempts: number;
  /** Epoch ms of the first and the latest failure. */
  readonly firstFailedAt: number;
  readonly lastFailedAt: number;
  readonly requestId?: string;
  readonly traceId?: string;
}

/** The `target` prefix of dead-lettered events (`event:orders.created`); never an agent name. */
export const EVENT_TARGET_PREFIX = 'event:';

/** Which records to list or replay. Every given field must match. */
export interface DeadLetterFilter {
  readonly target?: string;
  readonly code?: string;
  /** Last failure at or after this epoch ms. */
  readonly since?: number;
  /** Last failure before this epoch ms. */
  readonly until?: number;
  /** At most this many, oldest first. */
  readonly limit?: number;
}

/**
 * Where dead letters are kept. `put` is an upsert by id and is durable when its promise resolves
 * (for stores that persist at all). Implemented by MemoryDeadLetterStore and FileDeadLetterStore
 * here, and by JetStreamDeadLetterStore in @agentmesh/nats.
 */
export interface DeadLetterStore {
  put(record: DeadLetterRecord): Promise<void>;
  get(id: string): Promise<DeadLetterRecord | undefined>;
  /** Oldest first. */
  list(filter?: DeadLetterFilter): Promise<DeadLetterRecord[]>;
  /** Resolves whether the record existed. */
  remove(id: string): Promise<boolean>;
  /** Removes everything; resolves how many records were removed. */
  purge(): Promise<number>;
  size(): Promise<number>;
  /** Flushes and releases resources; later calls reject with CLOSED. */
  close(): Promise<void>;
}
