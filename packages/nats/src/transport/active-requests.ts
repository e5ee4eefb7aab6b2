import type { Cancellation } from '@agentmesh/core';
import { SlotTable, type Slotted } from './token-table.js';

/** A request whose handler has not answered yet (only asynchronous answers are tracked). */
export class ActiveRequest implements Slotted {
  token = '';
  done = false;
  announced = false;
  /** When it started waiting for an asynchronous answer. */
  startedAt = 0;
  /** True when the caller told us it gave up: it no longer listens, so no reply is sent. */
  callerGone = false;

  constructor(
    readonly reply: string,
    readonly id: string,
    readonly cancellation: Cancellation,
  ) {}
}

/**
 * The requests an endpoint is handling, found by their reply subject. The entries live in a slot
 * table and the Map by reply subject holds only their tokens: a churning Map's rehashed tables can
 * be promoted by the young-generation GC and keep their successors alive (see SlotTable), so
 * whatever its values reference would be too.
 */
export class ActiveRequests {
  readonly #table = new SlotTable<ActiveRequest>();
  readonly #byReply = new Map<string, string>();

  get size(): number {
    return this.#table.size;
  }

  /** True while a request with this reply subject is being handled. */
  has(reply: string): boolean {
    return this.#byReply.has(reply);
  }

  get(reply: string): ActiveRequest | undefined {
    const token = this.#byReply.get(reply);
    return token === undefined ? undefined : this.#table.get(token);
  }

  add(active: ActiveRequest): void {
    this.#byReply.set(active.reply, this.#table.add(active));
  }

  delete(active: ActiveRequest): void {
    if (this.#table.delete(active)) this.#byReply.delete(active.reply);
  }

  /** The requests, as a copy (safe to iterate while removing). */
  values(): ActiveRequest[] {
    return this.#table.values();
  }
}
