import type { NatsConnection } from '@nats-io/transport-node';

/** Room kept for a batch's own protocol line and headers under the server's `max_payload`. */
const BATCH_HEADROOM_BYTES = 1024;

/** The largest batch message this connection's server takes (headroom kept under its `max_payload`). */
export function maxBatchBytes(nc: NatsConnection): number {
  const max = nc.info?.max_payload ?? 1024 * 1024;
  return max > 2 * BATCH_HEADROOM_BYTES ? max - BATCH_HEADROOM_BYTES : Math.floor(max / 2);
}

/** How a {@link Coalescer} sends what it gathered. */
export interface CoalescerSink<T> {
  /** Bytes `item` adds to a batch (what the size limit counts). */
  size(item: T): number;
  /** Sends one item in a message of its own. */
  one(key: string, item: T): void;
  /** Sends 2 or more items together in one message. */
  many(key: string, items: T[]): void;
}

/**
 * Gathers what is sent to the same key (subject) during one turn of the event loop and sends it
 * when the turn's synchronous work and microtasks are done: alone if it is alone, else together in
 * messages of at most `maxItems` items and `maxBytes` bytes. nats.js itself writes to the socket
 * on a microtask, so a lone item is sent no later than before; only items that were going to be
 * written together anyway share a message.
 */
export class Coalescer<T> {
  readonly #sink: CoalescerSink<T>;
  readonly #maxItems: number;
  readonly #maxBytes: () => number;
  #queues = new Map<string, T[]>();
  #scheduled = false;

  constructor(sink: CoalescerSink<T>, maxItems: number, maxBytes: () => number) {
    this.#sink = sink;
    this.#maxItems = maxItems;
    this.#maxBytes = maxBytes;
  }

  add(key: string, item: T): void {
    const queue = this.#queues.get(key);
    if (queue === undefined) this.#queues.set(key, [item]);
    else queue.push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  /** Sends everything gathered so far (also run by itself at the end of the turn). */
  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#queues.size === 0) return;
    const queues = this.#queues;
    this.#queues = new Map();
    const maxBytes = this.#maxBytes();
    for (const [key, items] of queues) {
      if (items.length === 1) this.#sink.one(key, items[0]!);
      else this.#split(key, items, maxBytes);
    }
  };

  #split(key: string, items: T[], maxBytes: number): void {
    let group: T[] = [];
    let bytes = 0;
    for (const item of items) {
      const size = this.#sink.size(item);
      if (group.length > 0 && (group.length === this.#maxItems || bytes + size > maxBytes)) {
        this.#send(key, group);
        group = [];
        bytes = 0;
      }
      group.push(item);
      bytes += size;
    }
    this.#send(key, group);
  }

  #send(key: string, group: T[]): void {
    if (group.length === 1) this.#sink.one(key, group[0]!);
    else this.#sink.many(key, group);
  }
}
