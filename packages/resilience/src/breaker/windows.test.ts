import { describe, expect, it, vi } from 'vitest';
import { meshError } from '../../test/helpers.js';
import { CircuitBreaker } from './circuit-breaker.js';

const fail = (): Promise<never> => Promise.reject(meshError('TRANSPORT_ERROR'));
const ok = (): Promise<string> => Promise.resolve('ok');
const run = async (breaker: CircuitBreaker, pattern: string): Promise<void> => {
  for (const c of pattern) await breaker.execute(c === 'x' ? fail : ok).catch(() => undefined);
};

describe('count window', () => {
  it('decides nothing before minimumCalls, then opens at the failure rate', async () => {
    const breaker = new CircuitBreaker({ strategy: { kind: 'count', size: 10, minimumCalls: 6, failureRateThreshold: 0.5 } });
    await run(breaker, 'xxxxx');
    expect(breaker.state).toBe('closed'); // 5 failures, but fewer than 6 calls
    await run(breaker, 'x');
    expect(breaker.state).toBe('open');
  });

  it('only the last `size` calls count', async () => {
    const breaker = new CircuitBreaker({ strategy: { kind: 'count', size: 4, minimumCalls: 4, failureRateThreshold: 0.75 } });
    await run(breaker, 'xx..'); // 50%
    await run(breaker, '.x'); // window: ..., '.', '.', 'x' -> '. . . x' = 25%... then x.
    expect(breaker.state).toBe('closed');
    await run(breaker, 'xx'); // window '. x x x' = 75%
    expect(breaker.state).toBe('open');
    expect(breaker.toJSON().strategy).toEqual({ kind: 'count', outcomes: [0, 1, 1, 1] });
  });

  it('opens on the slow-call rate even when every call succeeds', async () => {
    vi.useFakeTimers();
    const breaker = new CircuitBreaker({ strategy: { kind: 'count', size: 4, minimumCalls: 4, slowCallDurationMs: 100, slowCallRateThreshold: 0.5 } });
    const slow = (): Promise<string> => new Promise((r) => setTimeout(() => r('late'), 100));
    for (const work of [ok, slow, ok]) {
      const p = breaker.execute(work);
      await vi.advanceTimersByTimeAsync(100);
      await p;
    }
    expect(breaker.state).toBe('closed');
    const p = breaker.execute(slow);
    await vi.advanceTimersByTimeAsync(100);
    await p;
    expect(breaker.state).toBe('open');
  });
});

describe('time window', () => {
  it('forgets calls older than windowMs, a bucket at a time', async () => {
    vi.useFakeTimers({ now: 0 });
    const breaker = new CircuitBreaker({ strategy: { kind: 'time', windowMs: 1_000, buckets: 10, minimumCalls: 4, failureRateThreshold: 0.5 } });
    await run(breaker, 'xxx');
    vi.advanceTimersByTime(1_000); // those three fell out of the window
    await run(breaker, 'x...');
    expect(breaker.state).toBe('closed');
    vi.advanceTimersByTime(500);
    await run(breaker, 'x');
    expect(breaker.state).toBe('closed'); // 2 / 5
    await run(breaker, 'x');
    expect(breaker.state).toBe('open'); // 3 / 6
  });

  it('restores its buckets from a snapshot, dropping those out of the window', async () => {
    vi.useFakeTimers({ now: 10_000 });
    const options = { strategy: { kind: 'time', windowMs: 1_000, buckets: 4, minimumCalls: 4, failureRateThreshold: 0.5 } } as const;
    const breaker = new CircuitBreaker(options);
    await run(breaker, 'x..');
    const snapshot = breaker.toJSON();
    const later = new CircuitBreaker({ ...options, snapshot });
    await run(later, 'x');
    expect(later.state).toBe('open'); // 2 / 4: the restored counts were kept
    vi.advanceTimersByTime(2_000);
    const stale = new CircuitBreaker({ ...options, snapshot });
    await run(stale, 'xxx');
    expect(stale.state).toBe('closed'); // the restored calls were too old to count
  });

  it('regression: a clock that jumps ahead and back does not freeze the window', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const breaker = new CircuitBreaker({ strategy: { kind: 'time', windowMs: 10_000, buckets: 10, minimumCalls: 10, failureRateThreshold: 0.5 } });
    vi.setSystemTime(1_000_000 + 3_600_000);
    await run(breaker, '.'.repeat(50));
    vi.setSystemTime(1_000_000); // stepped back an hour
    await run(breaker, 'x'.repeat(20));
    expect(breaker.state).toBe('open'); // counted from now, not diluted by the hour-ahead slice
  });
});
