import type { Cancellation } from '@agentmesh/core';

/**
 * Settles like `work`, or rejects with the cancellation's reason as soon as it is cancelled
 * (deadline or abort), whichever comes first. The listener is removed either way, and a late
 * rejection of `work` is still handled.
 */
export function raceCancellation<T>(work: Promise<T>, cancellation: Cancellation): Promise<T> {
  const reason = cancellation.reason;
  if (reason !== undefined) {
    work.catch(() => undefined);
    return Promise.reject(reason);
  }
  return new Promise<T>((resolve, reject) => {
    const unlink = cancellation.onCancel(reject);
    work.then(
      (value) => {
        unlink();
        resolve(value);
      },
      (error: unknown) => {
        unlink();
        reject(error);
      },
    );
  });
}
