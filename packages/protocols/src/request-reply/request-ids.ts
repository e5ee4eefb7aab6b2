import { nextId } from '@agentmesh/core';

// Three-digit tails shared by every protocol instance, so that making an id formats no number.
const TAILS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Request ids of one protocol instance: a prefix unique to the instance, a serial number and the
 * request's table slot (`<prefix><serial>.<slot>`), so a reply is matched by slot without hashing
 * and confirmed by the whole id. Built like core's ids: the serial is a head that changes every
 * 1000 ids plus a precomputed tail, and each slot's suffix is formatted once and reused. Turning
 * a growing counter into a string on every request measured ~120 ns in the request path (number
 * formatting misses V8's small number-string cache); these concatenations cost a few.
 */
export class RequestIds {
  /** Every id of this instance starts with it. */
  readonly prefix = `${nextId()}:`;
  #high = 0;
  #low = -1;
  #head = `${this.prefix}0-`;
  readonly #suffixes: string[] = [];

  /** A new id for a request in table slot `slot`. */
  next(slot: number): string {
    if (++this.#low === 1000) {
      this.#low = 0;
      this.#head = `${this.prefix}${(++this.#high).toString(36)}-`;
    }
    return this.#head + TAILS[this.#low]! + (this.#suffixes[slot] ??= `.${slot}`);
  }

  /** The table slot of an id of this instance, or undefined when `id` is not one. */
  slotOf(id: string): number | undefined {
    if (!id.startsWith(this.prefix)) return undefined;
    const slot = Number(id.slice(id.lastIndexOf('.') + 1));
    return Number.isSafeInteger(slot) && slot >= 0 ? slot : undefined;
  }
}
