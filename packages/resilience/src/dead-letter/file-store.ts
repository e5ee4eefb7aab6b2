import { MeshError } from '@agentmesh/core';
import { integerAtLeast, invalidOption } from '../internal/validate.js';
import { selectRecords } from './filter.js';
import { frozenCopy } from './freeze.js';
import { GroupCommit, type CommitTarget } from './group-commit.js';
import { encodeEntry } from './log-codec.js';
import { LogFile } from './log-file.js';
import { checkRecord } from './record.js';
import type { DeadLetterFilter, DeadLetterRecord, DeadLetterStore } from './store.js';

/** Default count of dead log lines before a compaction is considered. */
export const DEFAULT_COMPACT_MIN_GARBAGE = 1_000;

/** Options of a {@link FileDeadLetterStore}. */
export interface FileDeadLetterStoreOptions {
  /** The log file; its folder is created if missing. */
  readonly path: string;
  /**
   * Compact (rewrite only the live records) once at least this many log lines are dead
   * (overwritten or removed records) and they outnumber the live ones.
   * @default DEFAULT_COMPACT_MIN_GARBAGE (1000)
   */
  readonly compactMinGarbage?: number;
}

/** Counters of a file store, for monitoring and tests. */
export interface FileStoreStats {
  readonly records: number;
  /** Log lines that no longer describe a live record. */
  readonly garbage: number;
  readonly bytes: number;
  /** Bytes of a torn last write cut off when the log was opened. */
  readonly tornBytesDropped: number;
  /** Complete but corrupt lines skipped when the log was opened. */
  readonly corruptLinesSkipped: number;
  readonly compactions: number;
}

/**
 * Dead letters in an append-only log file (JSON lines, each with a CRC-32): the embedded durable
 * store. `put`, `remove` and `purge` resolve only once their line is fsynced; concurrent writes share
 * one write and one fsync (group commit). Reopening replays the log; a torn last line from a crash
 * is cut off without losing the lines before it. Removed and overwritten records are compacted away
 * (temp file, fsync, rename, fsync of the folder). One process may own a log at a time.
 */
export class FileDeadLetterStore implements DeadLetterStore {
  readonly path: string;
  readonly #compactMinGarbage: number;
  readonly #records = new Map<string, DeadLetterRecord>();
  readonly #commits = new GroupCommit(() => this.#ready().then(() => this.#commitTarget));
  #opening: Promise<LogFile> | undefined;
  #file: LogFile | undefined;
  #closed = false;
  #lines = 0;
  #torn = 0;
  #corrupt = 0;
  #compactions = 0;

  constructor(options: FileDeadLetterStoreOptions) {
    if (typeof options?.path !== 'string' || options.path.length === 0) throw invalidOption('path must be a non-empty string');
    this.path = options.path;
    this.#compactMinGarbage = integerAtLeast(options.compactMinGarbage ?? DEFAULT_COMPACT_MIN_GARBAGE, 'compactMinGarbage', 1);
  }

  /** Opens the store now (rather than on first use), so a bad path or unreadable log fails here. */
  static async open(options: FileDeadLetterStoreOptions): Promise<FileDeadLetterStore> {
    const store = new FileDeadLetterStore(options);
    await store.#ready();
    return store;
  }

  put(record: DeadLetterRecord): Promise<void> {
    let copy: DeadLetterRecord;
    let line: string;
    try {
      checkRecord(record);
      copy = frozenCopy(record);
      line = encodeEntry({ op: 'put', record: copy });
    } catch (error) {
      return Promise.reject(MeshError.is(error) ? error : invalidOption(`record ${String(record?.id)} is not plain JSON data: ${String(error)}`));
    }
    return this.#write(line, () => void this.#records.set(copy.id, copy));
  }

  async get(id: string): Promise<DeadLetterRecord | undefined> {
    await this.#ready();
    return this.#records.get(id);
  }

  async list(filter?: DeadLetterFilter): Promise<DeadLetterRecord[]> {
    await this.#ready();
    return selectRecords(this.#records.values(), filter);
  }

  remove(id: string): Promise<boolean> {
    // Queued at once, like put and purge, so operations apply in the order they were called.
    // Once open, with nothing to remove and nothing queued that could add it, no write is needed.
    if (this.#file !== undefined && !this.#closed && !this.#records.has(id) && !this.#commits.busy) return Promise.resolve(false);
    return this.#write(encodeEntry({ op: 'del', id }), () => this.#records.delete(id));
  }

  purge(): Promise<number> {
    return this.#write(encodeEntry({ op: 'purge' }), () => {
      const count = this.#records.size;
      this.#records.clear();
      return count;
    });
  }

  async size(): Promise<number> {
    await this.#ready();
    return this.#records.size;
  }

  /** Rewrites the log with only the live records now (it also happens by itself, see compactMinGarbage). */
  compact(): Promise<void> {
    return this.#write('', () => undefined, true);
  }

  stats(): FileStoreStats {
    return {
      records: this.#records.size,
      garbage: this.#lines - this.#records.size,
      bytes: this.#file?.bytes ?? 0,
      tornBytesDropped: this.#torn,
      corruptLinesSkipped: this.#corrupt,
      compactions: this.#compactions,
    };
  }

  /** Waits for queued writes, then closes the file; later calls reject with CLOSED. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commits.idle();
    const file = await this.#opening?.catch(() => undefined);
    await file?.close();
  }

  #ready(): Promise<LogFile> {
    if (this.#closed) return Promise.reject(closedError());
    this.#opening ??= LogFile.open(this.path).then(({ file, loaded, tornBytes }) => {
      for (const [id, record] of loaded.records) this.#records.set(id, frozenCopy(record));
      this.#lines = loaded.garbage + loaded.records.size;
      this.#torn = tornBytes;
      this.#corrupt = loaded.corrupt;
      this.#file = file;
      return file;
    }, (error: unknown) => {
      this.#opening = undefined; // let a later call try again
      throw storeError(error, 'open');
    });
    return this.#opening;
  }

  #write<T>(line: string, apply: () => T, compact = false): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#commits.submit({ line, compact, apply });
  }

  readonly #commitTarget: CommitTarget = {
    append: async (text) => {
      if (text === '') return;
      await this.#file!.append(text);
      this.#lines += text.split('\n').length - 1;
    },
    wantsCompaction: () => this.#wantsCompaction(),
    compact: () => this.#compact(this.#file!),
    failure: (error, what) => storeError(error, what),
  };

  #wantsCompaction(): boolean {
    const garbage = this.#lines - this.#records.size;
    return garbage >= this.#compactMinGarbage && garbage > this.#records.size;
  }

  /** Compacts; resolves the error instead of throwing (a failed compaction loses nothing). */
  async #compact(file: LogFile): Promise<unknown> {
    try {
      let text = '';
      for (const record of this.#records.values()) text += encodeEntry({ op: 'put', record });
      await file.rewrite(text);
      this.#lines = this.#records.size;
      this.#compactions++;
      return undefined;
    } catch (error) {
      process.emitWarning(`@agentmesh/resilience: compaction of ${this.path} failed (${String(error)}); the log is intact`, 'ResilienceStoreWarning');
      return error;
    }
  }
}

function closedError(): MeshError {
  return new MeshError('CLOSED', 'the dead-letter store is closed');
}

function storeError(error: unknown, what: string): MeshError {
  if (MeshError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MeshError('TRANSPORT_ERROR', `dead-letter store could not ${what}: ${message}`, { cause: error, retryable: true });
}
