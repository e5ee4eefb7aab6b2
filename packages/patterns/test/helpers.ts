import { MeshError, type RequestContext } from '@agentmesh/core';
export { deferred, type Deferred } from '@agentmesh/core/testing';

/** Resolves with the rejection of `promise` (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<MeshError> {
  try {
    await promise;
  } catch (error) {
    if (!MeshError.is(error)) throw new Error(`expected a MeshError, got ${String(error)}`, { cause: error });
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * A handler body that never finishes on its own: records the context it ran under and resolves
 * `started`, then waits until its signal aborts (and then rejects with the abort reason).
 */
export function hangUntilAborted(seen: RequestContext[], started?: () => void): (ctx: RequestContext) => Promise<never> {
  return (ctx) => {
    seen.push(ctx);
    started?.();
    return new Promise<never>((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    });
  };
}

/** Lets pending promise callbacks run (a few macrotask turns; works under fake timers too). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => queueMicrotask(resolve));
}
