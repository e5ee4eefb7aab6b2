import { MeshError } from '@agentmesh/core';
import { checkFilter, matchesFilter, type DeadLetterFilter, type DeadLetterRecord, type DeadLetterStore } from '@agentmesh/resilience';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, RetentionPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { decodeJson, encodeJson } from '../codec/json.js';
import { closedError, fromNatsError } from '../errors.js';
import { ensureStream, manager } from '../events/stream.js';
import { silentLogger, type TransportLogger } from '../logger.js';
import { DEFAULT_DEAD_LETTER_MAX_AGE_MS, type JetStreamDeadLetterStoreOptions } from './options.js';
import { Subjects } from '../subjects.js';
import { openConnection } from '../transport/connection.js';
import { Lazy } from '../transport/lazy.js';
import { parseDeadLetterRecord, recordKey } from './record.js';

interface Parts {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/**
 * A {@link DeadLetterStore} on a JetStream stream: one subject per record (`max_msgs_per_subject`
 * 1, so a put is an upsert by id), file storage, `put` resolves once the server has stored the
 * record (a JetStream publish acknowledgement). Records are validated on the way in and out.
 */
export class JetStreamDeadLetterStore implements DeadLetterStore {
  readonly #subjects: Subjects;
  readonly #stream: string;
  readonly #options: JetStreamDeadLetterStoreOptions;
  readonly #logger: TransportLogger;
  readonly #connection: Lazy<NatsConnection>;
  readonly #setup = new Lazy(() => this.#open());
  #closed: Promise<void> | undefined;

  constructor(options: JetStreamDeadLetterStoreOptions) {
    this.#subjects = new Subjects(options.prefix ?? 'agentmesh');
    this.#stream = options.stream ?? this.#subjects.deadLetterStream;
    this.#logger = options.logger ?? silentLogger;
    this.#options = options;
    this.#connection = new Lazy(() =>
      options.connection === undefined ? openConnection(options.servers ?? '127.0.0.1:4222', 'agentmesh-dead-letters', options.connectOptions ?? {}) : Promise.resolve(options.connection),
    );
  }

  /** Connects and makes sure the stream exists; a failure is not cached, the next call tries again. */
  #parts(): Promise<Parts> {
    if (this.#closed !== undefined) return Promise.reject(closedError('the dead-letter store'));
    return this.#setup.get();
  }

  async #open(): Promise<Parts> {
    const o = this.#options;
    const nc = await this.#connection.get();
    const jsm = await manager(nc);
    await ensureStream(jsm, {
      name: this.#stream,
      subjects: [`${this.#subjects.deadLetterRoot}.>`],
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
      max_age: nanos(o.maxAgeMs ?? DEFAULT_DEAD_LETTER_MAX_AGE_MS),
      num_replicas: o.replicas ?? 1,
    });
    return { nc, js: jetstream(nc), jsm };
  }

  #subject(id: string): string {
    return `${this.#subjects.deadLetterRoot}.${recordKey(id)}`;
  }

  #maxBytes(nc: NatsConnection): number {
    return nc.info?.max_payload ?? 1024 * 1024;
  }

  /** Reads a stored record back, validating it like any input. */
  #decode(nc: NatsConnection, data: Uint8Array): DeadLetterRecord {
    return parseDeadLetterRecord(decodeJson(data, this.#maxBytes(nc) * 2, 'dead-letter record'), this.#maxBytes(nc));
  }

  /** Upserts by id; resolves once the server stored it (INVALID_ARGUMENT for a malformed record). */
  async put(record: DeadLetterRecord): Promise<void> {
    const { nc, js } = await this.#parts();
    let data: Uint8Array;
    try {
      data = encodeJson(parseDeadLetterRecord(record, this.#maxBytes(nc)), 'dead-letter record');
    } catch (error) {
      throw new MeshError('INVALID_ARGUMENT', `not a valid dead-letter record: ${(error as Error).message}`, { cause: error });
    }
    try {
      await js.publish(this.#subject(record.id), data);
    } catch (error) {
      throw fromNatsError(error, `could not store dead letter "${record.id}"`);
    }
  }

  /** The record with this id, or undefined. */
  async get(id: string): Promise<DeadLetterRecord | undefined> {
    const { nc, jsm } = await this.#parts();
    let stored;
    try {
      stored = await jsm.streams.getMessage(this.#stream, { last_by_subj: this.#subject(id) });
    } catch (error) {
      throw fromNatsError(error, `could not read dead letter "${id}"`);
    }
    if (stored === null) return undefined;
    return this.#decode(nc, stored.data);
  }

  /** Oldest first: by first failure, then by when the record was last stored. */
  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterRecord[]> {
    checkFilter(filter);
    const { nc, js, jsm } = await this.#parts();
    const found: { record: DeadLetterRecord; seq: number }[] = [];
    try {
      const total = (await jsm.streams.info(this.#stream)).state.messages;
      if (total > 0 && (filter.limit ?? 1) > 0) {
        const batch = await (await js.consumers.get(this.#stream)).fetch({ max_messages: total, expires: 5_000 });
        for await (const m of batch) {
          try {
            const record = this.#decode(nc, m.data);
            if (matchesFilter(record, filter)) found.push({ record, seq: m.seq });
          } catch (error) {
            this.#logger.warn({ err: error, subject: m.subject }, 'unreadable dead-letter record skipped');
          }
          if (m.info.pending === 0) break;
        }
      }
    } catch (error) {
      throw fromNatsError(error, 'could not list dead letters');
    }
    found.sort((a, b) => a.record.firstFailedAt - b.record.firstFailedAt || a.seq - b.seq);
    const records = found.map((f) => f.record);
    return filter.limit === undefined ? records : records.slice(0, Math.max(0, filter.limit));
  }

  /** Removes a record; resolves whether it existed. */
  async remove(id: string): Promise<boolean> {
    const { jsm } = await this.#parts();
    try {
      return (await jsm.streams.purge(this.#stream, { filter: this.#subject(id) })).purged > 0;
    } catch (error) {
      throw fromNatsError(error, `could not remove dead letter "${id}"`);
    }
  }

  /** Removes every record; resolves how many there were. */
  async purge(): Promise<number> {
    const { jsm } = await this.#parts();
    try {
      return (await jsm.streams.purge(this.#stream)).purged;
    } catch (error) {
      throw fromNatsError(error, 'could not purge dead letters');
    }
  }

  /** How many records are stored. */
  async size(): Promise<number> {
    const { jsm } = await this.#parts();
    try {
      return (await jsm.streams.info(this.#stream)).state.messages;
    } catch (error) {
      throw fromNatsError(error, 'could not count dead letters');
    }
  }

  /** Later calls reject with CLOSED. Closes the connection only if the store opened it (or was told to). */
  close(): Promise<void> {
    this.#closed ??= this.#release();
    return this.#closed;
  }

  async #release(): Promise<void> {
    const o = this.#options;
    const owned = o.connection === undefined || o.closeConnection === true;
    const nc = owned ? await this.#connection.peek()?.catch(() => undefined) : undefined;
    if (nc !== undefined && !nc.isClosed()) await nc.drain();
  }
}
