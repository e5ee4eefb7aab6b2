import type { Middleware } from '@agentmesh/core';
import { describe, expectTypeOf, it } from 'vitest';
import { CircuitBreaker } from '../breaker/circuit-breaker.js';
import { circuitBreakers } from '../breaker/circuit-breakers.js';
import { retry } from '../retry/retry.js';
import { timeout } from '../timeout/timeout.js';
import type { Executor, Policy } from './types.js';
import { wrap } from './wrap.js';

describe('wrap() types', () => {
  it('keeps every form all parts share', () => {
    expectTypeOf(wrap(retry(), timeout(10))).toEqualTypeOf<Policy>();
    expectTypeOf(wrap(retry(), circuitBreakers(), timeout(10))).toEqualTypeOf<Middleware>();
    expectTypeOf(wrap(retry(), new CircuitBreaker(), timeout(10))).toEqualTypeOf<Executor>();
    expectTypeOf(retry()).toMatchTypeOf<Middleware>();
    expectTypeOf(retry().execute(() => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(new CircuitBreaker().execute(async () => 'x')).toEqualTypeOf<Promise<string>>();
  });
});
