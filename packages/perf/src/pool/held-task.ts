import { isThenable } from '@agentmesh/core';
import type { KeyState } from './key-table.js';
import type { ReleasePermit } from './permit.js';

/**
 * Runs work that holds a permit, and gives the permit back exactly once, as soon as the work's
 * outcome is known: a synchronous throw, a plain value, or its promise settling.
 */
export class HeldTasks {
  readonly #release: ReleasePermit;

  constructor(release: ReleasePermit) {
    this.#release = release;
  }

  /** Runs `task` and returns its outcome. Without a key it allocates no closure. */
  start(task: () => unknown, keyState: KeyState | undefined): Promise<unknown> {
    let out: unknown;
    try {
      out = task();
    } catch (error) {
      this.#release(keyState);
      return Promise.reject(error);
    }
    if (!isThenable(out)) {
      this.#release(keyState);
      return Promise.resolve(out);
    }
    if (keyState === undefined) return Promise.resolve(out).then(this.#releaseAfterValue, this.#releaseAfterError);
    return Promise.resolve(out).then(
      (value) => {
        this.#release(keyState);
        return value;
      },
      (error: unknown) => {
        this.#release(keyState);
        throw error;
      },
    );
  }

  /**
   * Runs `task` for a caller that waited, handing the outcome to its settle functions directly
   * (resolving its promise with another promise would cost extra promise jobs per task).
   */
  startFor(task: () => unknown, keyState: KeyState | undefined, resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
    let out: unknown;
    try {
      out = task();
    } catch (error) {
      this.#release(keyState);
      reject(error);
      return;
    }
    if (!isThenable(out)) {
      this.#release(keyState);
      resolve(out);
      return;
    }
    Promise.resolve(out).then(
      (value) => {
        this.#release(keyState);
        resolve(value);
      },
      (error: unknown) => {
        this.#release(keyState);
        reject(error);
      },
    );
  }

  readonly #releaseAfterValue = (value: unknown): unknown => {
    this.#release(undefined);
    return value;
  };

  readonly #releaseAfterError = (error: unknown): never => {
    this.#release(undefined);
    throw error;
  };
}
