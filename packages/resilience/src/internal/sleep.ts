import type { Clock } from '@agentmesh/core';
import type { AbortWatch } from './abort.js';

/**
 * Waits `ms` on `clock`, rejecting at once with the abort reason when `abort` fires. The timer and
 * the listener are both removed on every path.
 */
export function sleep(clock: Clock, ms: number, abort: AbortWatch): Promise<void> {
  const early = abort.reason();
  if (early !== undefined) return Promise.reject(early);
  return new Promise<void>((resolve, reject) => {
    const pending: { timer?: unknown } = {};
    // Not aborted yet (checked above), so the listener cannot run before the timer exists.
    const unlisten = abort.listen((reason) => {
      clock.clearTimeout(pending.timer);
      reject(reason);
    });
    pending.timer = clock.setTimeout(() => {
      unlisten();
      resolve();
    }, ms);
  });
}
