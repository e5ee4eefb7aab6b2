import type { Middleware } from '@agentmesh/core';

/**
 * Work run under a policy. It receives a signal that aborts when the policy or the caller gives up
 * (a timeout, a cancelled retry sleep's caller...); honour it to stop early.
 */
export type Work<T> = (signal: AbortSignal) => T | PromiseLike<T>;

/** Anything that runs work under a policy, outside any mesh. */
export interface Executor {
  /**
   * Runs `work` under the policy. `signal` cancels it: the promise rejects with CANCELLED (or the
   * signal's MeshError reason) and the work's own signal aborts.
   */
  execute<T>(work: Work<T>, signal?: AbortSignal): Promise<T>;
}

/**
 * A resilience policy: mesh middleware (`mesh.use(policy)`) that also runs any function
 * standalone (`policy.execute(fn, signal)`).
 */
export interface Policy extends Middleware, Executor {}

/** Builds a {@link Policy} from its two forms. */
export function definePolicy(middleware: Middleware, execute: Executor['execute']): Policy {
  return Object.assign(middleware, { execute });
}
