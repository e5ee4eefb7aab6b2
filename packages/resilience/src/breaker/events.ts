import { safeCall } from '../internal/report.js';
import { invalidOption } from '../internal/validate.js';

/**
 * A minimal typed event emitter. Listeners run synchronously in the order added; one that throws
 * is reported as a process warning and never breaks the call that caused the event.
 */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(event: never) => void>>();
  readonly #types: ReadonlySet<keyof Events>;

  constructor(types: readonly (keyof Events)[]) {
    this.#types = new Set(types);
  }

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(type: K, listener: (event: Events[K]) => void): () => void {
    if (!this.#types.has(type)) throw invalidOption(`unknown event type ${JSON.stringify(type)}`);
    if (typeof listener !== 'function') throw invalidOption('listener must be a function');
    let set = this.#listeners.get(type);
    if (set === undefined) this.#listeners.set(type, (set = new Set()));
    const entry = listener as (event: never) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** True when somebody listens to `type` (so events need not be built otherwise). */
  has(type: keyof Events): boolean {
    return (this.#listeners.get(type)?.size ?? 0) > 0;
  }

  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    const set = this.#listeners.get(type);
    if (set === undefined) return;
    for (const listener of [...set]) safeCall(listener as (event: Events[K]) => void, event, `a "${String(type)}" listener`);
  }

  /** Listeners of `type` (for leak checks). */
  count(type: keyof Events): number {
    return this.#listeners.get(type)?.size ?? 0;
  }
}
