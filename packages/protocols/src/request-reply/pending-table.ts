/**
 * Pending requests in reusable numbered slots. Cheaper than a Map on the hot path: no hashing,
 * and no table rebuilt when it empties (a Map shrinks when it drops below a quarter full, so a
 * caller awaiting one request at a time would reallocate it on every request). A slot's next
 * occupant has another id, so a late reply is matched by slot and confirmed by id.
 */
export class PendingTable<T extends { readonly id: string }> {
  readonly #slots: (T | undefined)[] = [];
  readonly #free: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** A free slot number for the next entry. */
  reserve(): number {
    return this.#free.pop() ?? this.#slots.push(undefined) - 1;
  }

  /** Fills a reserved slot. */
  fill(slot: number, entry: T): void {
    this.#slots[slot] = entry;
    this.#size++;
  }

  /** The entry in `slot` if its id is `id`. */
  get(slot: number, id: string): T | undefined {
    const entry = this.#slots[slot];
    return entry !== undefined && entry.id === id ? entry : undefined;
  }

  /** Empties a filled slot for reuse. */
  release(slot: number): void {
    if (this.#slots[slot] === undefined) return;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
    this.#size--;
  }

  /** A snapshot of the entries. */
  entries(): T[] {
    return this.#slots.filter((entry) => entry !== undefined);
  }
}
