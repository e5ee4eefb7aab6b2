import { MeshError } from '@agentmesh/core';
import { selectRecords } from './filter.js';
import { frozenCopy } from './freeze.js';
import { checkRecord } from './record.js';
import type { DeadLetterFilter, DeadLetterRecord, DeadLetterStore } from './store.js';

/**
 * Dead letters in memory: fast, and gone with the process. For tests and for messages that may be
 * lost on a crash; use {@link FileDeadLetterStore} for durability. Records are stored as frozen
 * copies, oldest (first put) first.
 */
export class MemoryDeadLetterStore implements DeadLetterStore {
  readonly #records = new Map<string, DeadLetterRecord>();
  #closed = false;

  put(record: DeadLetterRecord): Promise<void> {
    return this.#run(() => {
      checkRecord(record);
      this.#records.set(record.id, frozenCopy(record));
    });
  }

  get(id: string): Promise<DeadLetterRecord | undefined> {
    return this.#run(() => this.#records.get(id));
  }

  list(filter?: DeadLetterFilter): Promise<DeadLetterRecord[]> {
    return this.#run(() => selectRecords(this.#records.values(), filter));
  }

  remove(id: string): Promise<boolean> {
    return this.#run(() => this.#records.delete(id));
  }

  purge(): Promise<number> {
    return this.#run(() => {
      const count = this.#records.size;
      this.#records.clear();
      return count;
    });
  }

  size(): Promise<number> {
    return this.#run(() => this.#records.size);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #run<T>(operation: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new MeshError('CLOSED', 'the dead-letter store is closed'));
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
