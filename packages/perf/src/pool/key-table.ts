import type { KeyStats } from './limiter-options.js';

/** Permits out and callers waiting for one key. */
export interface KeyState {
  readonly key: string;
  inFlight: number;
  waiting: number;
}

/** Idle entries are kept until the table holds this many, then swept all at once. */
const MIN_SWEEP_SIZE = 256;

/**
 * The per-key counters of a limiter. Deleting a key the moment it goes idle made V8 shrink and
 * regrow the hash table on almost every call (5x slower); instead idle entries stay, and are
 * swept in one pass when the table reaches twice the size it had after the last sweep (at least
 * 256). Memory stays bounded by the keys in use, and the cost per call stays O(1) amortized.
 */
export class KeyTable {
  readonly #keys = new Map<string, KeyState>();
  #sweepAt = MIN_SWEEP_SIZE;

  /** The key's entry, created when missing. */
  get(key: string): KeyState {
    let state = this.#keys.get(key);
    if (state === undefined) {
      if (this.#keys.size >= this.#sweepAt) this.#sweep();
      this.#keys.set(key, (state = { key, inFlight: 0, waiting: 0 }));
    }
    return state;
  }

  /** How many entries the table holds, idle ones included (for leak checks). */
  get size(): number {
    return this.#keys.size;
  }

  #sweep(): void {
    for (const [key, state] of this.#keys) if (state.inFlight === 0 && state.waiting === 0) this.#keys.delete(key);
    this.#sweepAt = Math.max(MIN_SWEEP_SIZE, 2 * this.#keys.size);
  }

  /** Keys with permits out or callers waiting, as a plain object (any key name is safe, `__proto__` included). */
  toJSON(): Record<string, KeyStats> {
    const live: [string, KeyStats][] = [];
    for (const s of this.#keys.values()) if (s.inFlight > 0 || s.waiting > 0) live.push([s.key, { inFlight: s.inFlight, waiting: s.waiting }]);
    return Object.fromEntries(live);
  }
}
