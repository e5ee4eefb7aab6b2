import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../src/breaker/circuit-breaker.js';
import { circuitBreakers } from '../src/breaker/circuit-breakers.js';
import { deadLetter } from '../src/dead-letter/middleware.js';
import { MemoryDeadLetterStore } from '../src/dead-letter/memory-store.js';
import { DeadLetterQueue } from '../src/dead-letter/queue.js';
import { retry } from '../src/retry/retry.js';
import { timeout } from '../src/timeout/timeout.js';
import { wrap } from '../src/policy/wrap.js';
import { Flaky, meshWith } from './helpers.js';

const CALLS = 100_000;
const BATCH = 500;

/** Active Node timers (ref'd or not). */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** Runs CALLS calls, `batch` at a time; resolves how many failed. */
async function inBatches(run: (i: number) => Promise<unknown>, batch = BATCH): Promise<number> {
  let failed = 0;
  for (let i = 0; i < CALLS; i += batch) {
    const calls: Promise<unknown>[] = [];
    for (let j = 0; j < batch; j++) calls.push(run(i + j).catch(() => failed++));
    await Promise.all(calls);
  }
  await new Promise((r) => setImmediate(r));
  return failed;
}

describe('no leaks over 100k calls', () => {
  it('mesh calls through deadLetter + retry + circuitBreakers + timeout', async () => {
    let n = 0;
    const mesh = await meshWith({}, { name: 'svc', handle: async (m) => (++n % 50 === 0 ? Promise.reject(new TypeError('bug')) : n % 7 === 0 ? Promise.reject(new Flaky('busy')) : m) });
    const dlq = new DeadLetterQueue({ store: new MemoryDeadLetterStore(), mesh });
    const breakers = circuitBreakers({ strategy: { kind: 'count', size: 100, failureRateThreshold: 0.9 } });
    const perCall: number[] = [];
    mesh.use((call, next) => next(call).finally(() => perCall.push(call.context.cancellation.listenerCount)));
    mesh.use(deadLetter(dlq)).use(wrap(retry({ maxAttempts: 3, backoff: { kind: 'constant', delayMs: 0 } }), breakers, timeout(5_000)));
    const controller = new AbortController();
    const before = timers();
    const failed = await inBatches(() => mesh.invoke('svc', 'x', { timeoutMs: 10_000, signal: controller.signal }));
    expect(n).toBeGreaterThan(CALLS);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, serving: 0, pendingDeadlines: 0 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(timers()).toBeLessThanOrEqual(before + 1); // the mesh's one shared deadline timer at most
    // What stays on a finished call's own cancellation is bounded by its attempts (core links each
    // per-attempt child context and never unlinks it; see the README), never growing across calls.
    expect(Math.max(...perCall)).toBeLessThanOrEqual(3);
    expect(breakers.states()).toEqual({ svc: 'closed' });
    expect(failed).toBeGreaterThan(0);
    expect(await dlq.size()).toBe(failed); // every call that failed was dead-lettered, once
  }, 60_000);

  it('standalone execute with a caller signal: breaker, retry, timeout', async () => {
    const controller = new AbortController();
    const breaker = new CircuitBreaker({ strategy: { kind: 'count', size: 10, minimumCalls: 10, slowCallDurationMs: 60_000 } });
    const policy = wrap(retry({ maxAttempts: 2, backoff: { kind: 'constant', delayMs: 0 } }), breaker, timeout(5_000));
    const before = timers();
    // Few at a time: each run listens on the caller's signal, and AbortSignal listeners cost µs each.
    await inBatches((i) => policy.execute(async () => (i % 10 === 0 ? Promise.reject(new Flaky('x')) : i), controller.signal), 10);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(timers()).toBeLessThanOrEqual(before + 1); // the timeout's one shared deadline timer at most
    expect(breaker.state).toBe('closed');
  }, 60_000);

  it('open / half-open cycles leave no probe timers behind', async () => {
    vi.useFakeTimers();
    const breaker = new CircuitBreaker({ strategy: { kind: 'consecutive', failureThreshold: 1 }, openDurationMs: 10, halfOpenTimeoutMs: 5 });
    const listeners = [breaker.on('stateChange', () => undefined)];
    for (let i = 0; i < 2_000; i++) {
      await breaker.execute(() => Promise.reject(new Flaky('x'))).catch(() => undefined);
      await vi.advanceTimersByTimeAsync(10);
      const probe = breaker.execute(() => new Promise(() => undefined)).catch(() => undefined);
      await breaker.execute(() => 1).catch(() => undefined); // rejected: the probe holds the slot
      await vi.advanceTimersByTimeAsync(5); // the hung probe re-opens it
      void probe;
      await vi.advanceTimersByTimeAsync(10);
      await breaker.execute(() => 1);
    }
    expect(vi.getTimerCount()).toBe(0);
    listeners.forEach((stop) => stop());
    expect(breaker.state).toBe('closed');
  });
});
