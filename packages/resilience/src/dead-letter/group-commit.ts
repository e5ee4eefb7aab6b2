/** One queued change of a log: its line (may be empty) and what to do once the line is durable. */
export interface LogChange {
  readonly line: string;
  /** Compact the log right after this change, and settle it only once compacted. */
  readonly compact: boolean;
  /** Applies the change to the in-memory state; its result resolves the change. */
  apply(): unknown;
}

/** How a {@link GroupCommit} reaches its log. */
export interface CommitTarget {
  /** Writes the lines and makes them durable (fsync). */
  append(text: string): Promise<void>;
  /** Whether the log should be compacted now. */
  wantsCompaction(): boolean;
  /** Compacts; resolves the error when it failed (nothing is lost then), undefined on success. */
  compact(): Promise<unknown>;
  /** Turns an I/O failure into the error callers get. */
  failure(error: unknown, what: string): unknown;
}

interface Queued extends LogChange {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Writes queued changes in batches: everything queued while one write+fsync runs goes out in the
 * next single write+fsync (group commit), so N concurrent puts cost about one fsync, not N. A change
 * is applied to memory and settled only after its line is durable; a failed write rejects its batch.
 */
export class GroupCommit {
  readonly #queue: Queued[] = [];
  readonly #target: () => Promise<CommitTarget>;
  #draining: Promise<void> | undefined;

  /** `target` resolves once the log is open; its rejection rejects every queued change. */
  constructor(target: () => Promise<CommitTarget>) {
    this.#target = target;
  }

  /** True while changes are queued or being written. */
  get busy(): boolean {
    return this.#draining !== undefined;
  }

  /** Resolves once the queue is empty. */
  async idle(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  submit<T>(change: LogChange & { apply(): T }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ ...change, apply: () => change.apply(), resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    try {
      const target = await this.#target();
      while (this.#queue.length > 0) await this.#commit(target, this.#queue.splice(0));
    } catch (error) {
      for (const change of this.#queue.splice(0)) change.reject(error);
    } finally {
      this.#draining = undefined;
    }
  }

  async #commit(target: CommitTarget, batch: Queued[]): Promise<void> {
    try {
      await target.append(batch.map((c) => c.line).join(''));
    } catch (error) {
      for (const change of batch) change.reject(target.failure(error, 'write'));
      return;
    }
    const results = batch.map((c) => c.apply());
    const compactError = batch.some((c) => c.compact) || target.wantsCompaction() ? await target.compact() : undefined;
    batch.forEach((change, i) => {
      if (change.compact && compactError !== undefined) change.reject(target.failure(compactError, 'compact'));
      else change.resolve(results[i]);
    });
  }
}
