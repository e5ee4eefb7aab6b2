import type { Call, Message, Middleware } from '@agentmesh/core';
import { optionalFunction } from '../internal/validate.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { Emitter } from './events.js';
import { resolveBreakerOptions, type CircuitBreakerOptions } from './options.js';
import type { CircuitBreakerSnapshot } from './snapshot.js';
import type { CircuitBreakerEvents, CircuitState, StateChangeEvent } from './state.js';

/** Breaker options without what is per target. */
export type SharedBreakerOptions = Omit<CircuitBreakerOptions, 'name' | 'agent' | 'snapshot' | 'mesh' | 'onStateChange'>;

/** Options of {@link circuitBreakers}. */
export interface CircuitBreakersOptions extends SharedBreakerOptions {
  /** Options for one target, merged over the shared ones. @default none: all targets alike */
  readonly perTarget?: (target: string) => SharedBreakerOptions | undefined;
  /** State to start from, by target, from an earlier `toJSON()`. @default none */
  readonly snapshot?: Readonly<Record<string, CircuitBreakerSnapshot>>;
  /** Hears every breaker's transitions (the event's `name` is the target). @default none */
  readonly onStateChange?: (event: StateChangeEvent) => void;
}

/** The per-target breaker middleware, with its breakers in view. */
export interface CircuitBreakers extends Middleware {
  /** The breaker of `target`, if a call to it was made (or it was restored). */
  get(target: string): CircuitBreaker | undefined;
  /** The breaker of `target`, created if needed. */
  breaker(target: string): CircuitBreaker;
  /** Every target's state. */
  states(): Record<string, CircuitState>;
  /** Listens to every breaker's transitions; returns the function that stops listening. */
  on<K extends keyof CircuitBreakerEvents>(type: K, listener: (event: CircuitBreakerEvents[K]) => void): () => void;
  /** Every breaker's snapshot, by target. */
  toJSON(): Record<string, CircuitBreakerSnapshot>;
  /** Forgets a target's breaker (its next call starts closed); returns whether it existed. */
  delete(target: string): boolean;
  /** Resets every breaker. */
  reset(): void;
}

/**
 * Middleware keeping one {@link CircuitBreaker} per target agent (`call.to`), made on first use:
 * a failing peer opens only its own breaker, and calls to healthy peers go on untouched.
 * Rejections carry `agent` (the target) and `retryAfterMs`.
 */
export function circuitBreakers(options: CircuitBreakersOptions = {}): CircuitBreakers {
  const { perTarget, snapshot, onStateChange, ...shared } = options;
  optionalFunction(perTarget, 'perTarget');
  resolveBreakerOptions(shared); // fail now, not on the first call
  const events = new Emitter<CircuitBreakerEvents>(['stateChange']);
  if (onStateChange !== undefined) events.on('stateChange', onStateChange);
  const breakers = new Map<string, CircuitBreaker>();
  const forward = (event: StateChangeEvent): void => events.emit('stateChange', event);

  const create = (target: string): CircuitBreaker => {
    const own = perTarget?.(target);
    const restored = snapshot?.[target];
    const settings: CircuitBreakerOptions = { ...shared, ...own, name: target, agent: target, onStateChange: forward };
    const breaker = new CircuitBreaker(restored === undefined ? settings : { ...settings, snapshot: restored });
    breakers.set(target, breaker);
    return breaker;
  };
  if (snapshot !== undefined) for (const target of Object.keys(snapshot)) create(target);

  const middleware = (call: Call, next: (call: Call) => Promise<Message>): Promise<Message> =>
    (breakers.get(call.to) ?? create(call.to)).guard(call, next);

  const view: Omit<CircuitBreakers, keyof Middleware> = {
    get: (target) => breakers.get(target),
    breaker: (target) => breakers.get(target) ?? create(target),
    states: () => Object.fromEntries([...breakers].map(([target, b]) => [target, b.state])),
    on: (type, listener) => events.on(type, listener),
    toJSON: () => Object.fromEntries([...breakers].map(([target, b]) => [target, b.toJSON()])),
    delete: (target) => breakers.delete(target),
    reset: () => {
      for (const b of breakers.values()) b.reset();
    },
  };
  return Object.assign(middleware, view);
}
