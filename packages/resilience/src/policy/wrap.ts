import type { Call, Message, Middleware } from '@agentmesh/core';
import { invalidOption } from '../internal/validate.js';
import { definePolicy, type Executor, type Policy, type Work } from './types.js';

type Next = (call: Call) => Promise<Message>;

/**
 * Composes policies into one; the first is the outermost, as with `mesh.use`. The result has every
 * form all the parts have: policies give a policy; any plain middleware (such as `circuitBreakers()`)
 * gives middleware only; any plain executor (such as a `CircuitBreaker`) gives an executor only.
 *
 * @example wrap(retry(), circuitBreakers(), timeout(2_000)) // recommended order, see the README
 */
export function wrap(...policies: Policy[]): Policy;
export function wrap(...policies: Middleware[]): Middleware;
export function wrap(...policies: Executor[]): Executor;
export function wrap(...policies: (Middleware | Executor)[]): Policy | Middleware | Executor {
  if (policies.length === 0) throw invalidOption('wrap() needs at least one policy');
  const middleware = policies.every((p) => typeof p === 'function') ? composeMiddleware(policies) : undefined;
  const executors = policies.every((p) => typeof (p as Partial<Executor>).execute === 'function') ? (policies as Executor[]) : undefined;
  if (middleware === undefined && executors === undefined) {
    throw invalidOption('wrap() needs parts that are all middleware, all executors, or all both');
  }
  const execute = executors === undefined ? undefined : composeExecute(executors);
  if (middleware !== undefined && execute !== undefined) return definePolicy(middleware, execute);
  return middleware ?? { execute: execute! };
}

function composeMiddleware(layers: readonly Middleware[]): Middleware {
  // The mesh hands every call the same `next` (its chain is built once), so the composed chain is
  // built once per distinct `next` and reused, not rebuilt per call.
  let lastNext: Next | undefined;
  let lastChain: Next | undefined;
  return (call, next) => {
    if (next !== lastNext) {
      let chain: Next = next;
      for (let i = layers.length - 1; i >= 0; i--) {
        const layer = layers[i]!;
        const inner = chain;
        chain = (c) => layer(c, inner);
      }
      lastNext = next;
      lastChain = chain;
    }
    return lastChain!(call);
  };
}

function composeExecute(executors: readonly Executor[]): Executor['execute'] {
  return <T>(work: Work<T>, signal?: AbortSignal): Promise<T> => {
    let run: (signal: AbortSignal | undefined) => Promise<T> = (s) => executors[executors.length - 1]!.execute(work, s);
    for (let i = executors.length - 2; i >= 0; i--) {
      const executor = executors[i]!;
      const inner = run;
      run = (s) => executor.execute((own) => inner(own), s);
    }
    return run(signal);
  };
}
