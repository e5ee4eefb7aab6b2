/** What a {@link SlotTable} holds: it writes the entry's token. */
export interface Slotted {
  token: string;
}

/**
 * Entries that churn (one added and removed per request), found again by the token they were
 * given: `<slot>_<sequence>` in base 36 (and the table's tag), so a lookup is an array read, and a stale token (a slot
 * reused since) finds nothing. Not a Map: a Map that churns rehashes into a new backing table
 * every few hundred entries and each old table keeps pointing at its successor. Once one old table
 * is promoted by the young-generation GC it keeps the next one alive through the next scavenge,
 * which promotes it in turn with every request it holds: a chain that made each scavenge copy and
 * promote all in-flight requests (measured at 256 in flight: GC 0.7 → 2.5–3.5 µs per request
 * once it started, and it did not stop). A dictionary object avoids the chain but costs ≈ 5x a
 * Map per entry; this costs what a Map does.
 */
export class SlotTable<T extends Slotted> {
  readonly #slots: (T | undefined)[] = [];
  readonly #free: number[] = [];
  readonly #tag: string;
  #sequence = 0;
  #size = 0;

  /** `tag` ends every token, so tokens of tables with different tags never meet. */
  constructor(tag = '') {
    this.#tag = tag;
  }

  get size(): number {
    return this.#size;
  }

  /** Stores `entry` under a new token, written to `entry.token` and returned. */
  add(entry: T): string {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#slots.length;
    entry.token = `${slot.toString(36)}_${(++this.#sequence).toString(36)}${this.#tag}`;
    this.#slots[slot] = entry;
    this.#size++;
    return entry.token;
  }

  /** The entry with this token (any string, e.g. read off the wire), if it is still here. */
  get(token: string): T | undefined {
    const entry = this.#slots[parseInt(token, 36)];
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  /** True while `entry` is in the table. */
  holds(entry: T): boolean {
    return this.#slots[parseInt(entry.token, 36)] === entry;
  }

  /** Removes `entry`; false if it was not in the table. */
  delete(entry: T): boolean {
    const slot = parseInt(entry.token, 36);
    if (this.#slots[slot] !== entry) return false;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
    this.#size--;
    return true;
  }

  /** The entries, as a copy (safe to iterate while removing). */
  values(): T[] {
    return this.#slots.filter((entry): entry is T => entry !== undefined);
  }
}
