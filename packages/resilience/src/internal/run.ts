import type { Work } from '../policy/types.js';

/** Runs `work` and always returns a promise: a synchronous throw becomes a rejection. */
export function runWork<T>(work: Work<T>, signal: AbortSignal): Promise<T> {
  try {
    return Promise.resolve(work(signal));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Calls `next(call)` and always returns a promise: a synchronous throw becomes a rejection. */
export function callNext<C, R>(next: (call: C) => Promise<R>, call: C): Promise<R> {
  try {
    return next(call);
  } catch (error) {
    return Promise.reject(error);
  }
}
