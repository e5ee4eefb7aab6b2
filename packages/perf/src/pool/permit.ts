import type { Permit } from './limiter-options.js';
import type { KeyState } from './key-table.js';

/** Takes a permit back. */
export type ReleasePermit = (keyState: KeyState | undefined) => void;

/** A granted permit; the first `release()` gives it back, later ones do nothing. */
export class GrantedPermit implements Permit {
  #release: ReleasePermit | undefined;
  readonly #keyState: KeyState | undefined;

  constructor(release: ReleasePermit, keyState: KeyState | undefined) {
    this.#release = release;
    this.#keyState = keyState;
  }

  get key(): string | undefined {
    return this.#keyState?.key;
  }

  get released(): boolean {
    return this.#release === undefined;
  }

  release(): void {
    const release = this.#release;
    if (release === undefined) return;
    this.#release = undefined;
    release(this.#keyState);
  }
}
