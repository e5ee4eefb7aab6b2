import { getEventListeners, setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../test/support/manual-clock.js';
import { requestWorld } from '../../test/support/requests.js';
import { defineRequest } from './define-request.js';

const Job = defineRequest('job', {
  input: z.object({ kind: z.enum(['ok', 'fail', 'hang', 'abort', 'deferred', 'late', 'progress']) }),
  output: z.object({ done: z.boolean() }),
});

const KINDS = Job.input.shape.kind.options;
/** How each kind of job must end. */
const OUTCOME = { ok: 'ok', fail: 'HANDLER_ERROR', hang: 'TIMEOUT', abort: 'CANCELLED', deferred: 'ok', late: 'TIMEOUT', progress: 'ok' } as const;
const TOTAL = 100_000;
const BATCH = 1_400;

describe('RequestReplyProtocol: no leaks', () => {
  // A soak test: 100k real calls, a seventh of them failing through core's error path (errors, loggers).
  it(`leaves no pending entry, timer or listener after ${TOTAL} requests ending every way`, { timeout: 60_000 }, async () => {
    // Fake time on the injected clock: mesh deadlines, protocol timers and handler delays alike.
    const time = new ManualClock();
    const { protocol, worker, clock, mesh } = await requestWorld({ defaultTimeoutMs: 50 }, { clock: time });
    protocol.handleRequest(worker, Job, ({ kind }, ctx, request) => {
      switch (kind) {
        case 'ok':
          return { done: true };
        case 'fail':
          throw new Error('nope');
        case 'progress':
          ctx.reportProgress(1);
          return new Promise((resolve) => time.setTimeout(() => resolve({ done: true }), 5));
        case 'deferred':
        case 'late': {
          const reply = request.defer();
          // 'late' answers after the caller's 50 ms timeout: dropped, as it must be.
          time.setTimeout(() => void reply.resolve({ done: true }), kind === 'late' ? 60 : 5);
          return reply;
        }
        default:
          // A well-behaved slow handler: stops when its caller gives up.
          return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
      }
    });
    // One signal shared by a thousand calls at a time, on purpose: its listener count must end at zero.
    const longLived = new AbortController();
    setMaxListeners(BATCH, longLived.signal);
    const outcomes = new Map<string, number>();
    const expected = new Map<string, number>();
    for (let sent = 0; sent < TOTAL; sent += BATCH) {
      const perBatch = new AbortController();
      setMaxListeners(BATCH, perBatch.signal);
      const calls: Promise<void>[] = [];
      for (let i = 0; i < BATCH && sent + i < TOTAL; i++) {
        const kind = KINDS[i % KINDS.length]!;
        const signal = kind === 'abort' ? perBatch.signal : longLived.signal;
        const reset = kind === 'progress' || (kind === 'hang' && i % 2 === 0);
        expected.set(OUTCOME[kind], (expected.get(OUTCOME[kind]) ?? 0) + 1);
        calls.push(
          protocol.sendRequest('caller', 'worker', Job, { kind }, { signal, resetTimeoutOnProgress: reset, onProgress: () => undefined }).then(
            () => void outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1),
            (error: { code: string }) => void outcomes.set(error.code, (outcomes.get(error.code) ?? 0) + 1),
          ),
        );
      }
      await time.advance(1);
      perBatch.abort();
      await time.advance(100);
      await Promise.all(calls);
    }
    expect(Object.fromEntries(outcomes)).toEqual(Object.fromEntries(expected));
    expect([...expected.values()].reduce((a, b) => a + b)).toBe(TOTAL);
    expect(protocol.pendingCount).toBe(0);
    expect(clock.liveTimers).toBe(0);
    expect(getEventListeners(longLived.signal, 'abort')).toHaveLength(0);
    expect(mesh.stats()).toMatchObject({ inFlight: 0, serving: 0, pendingDeadlines: 0 });
  });
});
