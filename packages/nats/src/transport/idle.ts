/**
 * Lets close() wait, with a bound, until some count of in-flight work drops to zero. Components
 * call {@link Idle.notify} when work ends; it costs one property read while nobody waits.
 */
export class Idle {
  #waiters: Set<() => void> | undefined;

  /** Wakes waiters so they re-check their condition. */
  notify(): void {
    const waiters = this.#waiters;
    if (waiters === undefined) return;
    for (const wake of waiters) wake();
  }

  /** Resolves true once `done()` holds, or false after `timeoutMs`. Leaves no timer behind. */
  until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiters = (this.#waiters ??= new Set());
      const finish = (result: boolean): void => {
        clearTimeout(timer);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters === waiters) this.#waiters = undefined;
        resolve(result);
      };
      const wake = (): void => {
        if (done()) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      waiters.add(wake);
    });
  }
}

/** True for promises and other thenables. */
export function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
