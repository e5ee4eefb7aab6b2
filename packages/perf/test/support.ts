import { getEventListeners } from 'node:events';
import { Cancellation, RequestContext, createMesh, nextId, type Clock } from '@agentmesh/core';
export { deferred, type Deferred } from '@agentmesh/core/testing';

// Kept from before any test installs fake timers, so `settle` works under them too.
const realSetImmediate = setImmediate;

/** Lets every pending promise job and nextTick callback run (also under fake timers). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
}

/** How many abort listeners a signal holds (leak checks). */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/** A manual clock: time moves only with `advance`, which fires due timers in order. */
export class FakeClock implements Clock {
  #now = 1_000_000;
  #timers = new Map<number, { at: number; callback: () => void }>();
  #nextId = 1;

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= until && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].callback();
    }
    this.#now = until;
  }
}

const logger = createMesh().logger;

/** A request context as a handler would receive it, with its own cancellation. */
export function requestContext(overrides: { deadline?: number; depth?: number; clock?: Clock } = {}): RequestContext {
  const id = nextId();
  return new RequestContext({
    requestId: id,
    agentName: 'test',
    deadline: overrides.deadline,
    depth: overrides.depth ?? 1,
    traceId: id,
    spanId: id,
    cancellation: new Cancellation(),
    logger,
    clock: overrides.clock ?? new FakeClock(),
  });
}
