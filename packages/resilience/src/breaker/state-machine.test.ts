import fc from 'fast-check';
import { MeshError } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { meshError } from '../../test/helpers.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitState, StateChangeEvent } from './state.js';

const T = 3; // failure threshold
const D = 1_000; // open duration
const H = 500; // half-open timeout

type Op =
  | { kind: 'call'; outcome: 'ok' | 'fail' | 'neutral' | 'hang' }
  | { kind: 'burst'; size: number; outcome: 'ok' | 'fail' | 'neutral' }
  | { kind: 'advance'; ms: number }
  | { kind: 'isolate' }
  | { kind: 'release' }
  | { kind: 'reset' }
  | { kind: 'restore' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('call' as const), outcome: fc.constantFrom('ok' as const, 'fail' as const, 'neutral' as const, 'hang' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('burst' as const), size: fc.integer({ min: 2, max: 20 }), outcome: fc.constantFrom('ok' as const, 'fail' as const, 'neutral' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1_500 }) }) },
  { weight: 1, arbitrary: fc.constantFrom<Op>({ kind: 'isolate' }, { kind: 'release' }, { kind: 'reset' }, { kind: 'restore' }) },
);

/** The reference model of a consecutive-failure breaker with one probe. */
class Model {
  state: CircuitState = 'closed';
  failures = 0;
  openUntil = 0;
  probeDeadline: number | undefined;

  /** Whether a call now reaches the target (and becomes the probe when half-open). */
  admit(now: number, hang: boolean): boolean {
    if (this.state === 'isolated') return false;
    if (this.state === 'open') {
      if (now < this.openUntil) return false;
      this.state = 'half-open';
      this.probeDeadline = undefined;
    }
    if (this.state === 'half-open') {
      if (this.probeDeadline !== undefined) return false;
      this.probeDeadline = hang ? now + H : -1;
    }
    return true;
  }

  settle(now: number, outcome: 'ok' | 'fail' | 'neutral'): void {
    if (this.state === 'half-open') {
      this.probeDeadline = undefined;
      if (outcome === 'ok') this.close();
      else if (outcome === 'fail') this.open(now);
    } else if (this.state === 'closed' && outcome !== 'neutral') {
      this.failures = outcome === 'ok' ? 0 : this.failures + 1;
      if (this.failures >= T) this.open(now);
    }
  }

  /** Time passes: a hung probe past its deadline re-opens the breaker. */
  advance(to: number): void {
    if (this.state === 'half-open' && this.probeDeadline !== undefined && this.probeDeadline >= 0 && this.probeDeadline <= to) {
      this.open(this.probeDeadline);
      this.probeDeadline = undefined;
    }
  }

  open(now: number): void {
    this.state = 'open';
    this.openUntil = now + D;
  }

  close(): void {
    this.state = 'closed';
    this.failures = 0;
    this.probeDeadline = undefined;
  }
}

const outcomeOf = { ok: () => Promise.resolve('ok'), fail: () => Promise.reject(meshError('TIMEOUT')), neutral: () => Promise.reject(meshError('ACCESS_DENIED')), hang: () => new Promise<never>(() => undefined) };

describe('breaker state machine (property)', () => {
  it('matches the reference model; open never calls the target; half-open admits one probe; events chain', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        vi.useFakeTimers({ now: 1_000_000 });
        try {
          const options = { strategy: { kind: 'consecutive', failureThreshold: T }, openDurationMs: D, halfOpenTimeoutMs: H } as const;
          const model = new Model();
          let events: StateChangeEvent[] = [];
          const listen = (b: CircuitBreaker): CircuitBreaker => (b.on('stateChange', (e) => events.push(e)), b);
          let breaker = listen(new CircuitBreaker(options));
          let release: (() => void) | undefined;
          for (const o of ops) {
            const now = Date.now();
            if (o.kind === 'call') {
              const expected = model.admit(now, o.outcome === 'hang');
              let reached = false;
              const result = breaker.execute(() => ((reached = true), outcomeOf[o.outcome]()));
              if (o.outcome !== 'hang' || !expected) {
                const error = await result.then(() => undefined, (e: unknown) => e);
                if (!expected) expect(MeshError.is(error, 'CIRCUIT_OPEN')).toBe(true);
              } else result.catch(() => undefined);
              expect(reached).toBe(expected);
              if (expected && o.outcome !== 'hang') model.settle(now, o.outcome);
            } else if (o.kind === 'burst') {
              // Concurrent callers: admission is decided before any of them settles.
              let gateOpen!: () => void;
              const gate = new Promise<void>((r) => (gateOpen = r));
              let reached = 0;
              const expected = Array.from({ length: o.size }, () => model.admit(now, false)).filter(Boolean).length;
              const calls = Array.from({ length: o.size }, () => breaker.execute(() => (reached++, gate.then(outcomeOf[o.outcome]))).catch(() => undefined));
              expect(reached).toBe(expected);
              gateOpen();
              await Promise.all(calls);
              for (let i = 0; i < expected; i++) model.settle(now, o.outcome);
            } else if (o.kind === 'advance') {
              await vi.advanceTimersByTimeAsync(o.ms);
              model.advance(Date.now());
            } else if (o.kind === 'isolate' && release === undefined) {
              release = breaker.isolate();
              model.state = 'isolated';
              model.probeDeadline = undefined;
            } else if (o.kind === 'release' && release !== undefined) {
              release();
              release = undefined;
              model.close();
            } else if (o.kind === 'reset') {
              breaker.reset();
              release = undefined;
              model.close();
            } else if (o.kind === 'restore') {
              breaker = listen(CircuitBreaker.fromJSON(JSON.parse(JSON.stringify(breaker.toJSON())), options));
              events = [];
              if (model.state === 'half-open') model.probeDeadline = undefined;
              release = undefined; // an isolated snapshot is released with reset() only
            }
            expect(breaker.state).toBe(model.state);
            for (let i = 0; i < events.length; i++) {
              expect(events[i]!.from).not.toBe(events[i]!.to);
              if (i > 0) expect(events[i]!.from).toBe(events[i - 1]!.to);
            }
            if (events.length > 0) expect(events.at(-1)!.to).toBe(breaker.state);
          }
        } finally {
          vi.useRealTimers();
        }
      }),
      { numRuns: 150 },
    );
  });
});
