import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import type { RequestContext } from '../context/request-context.js';
import type { World } from './world.js';

/** Waits until `check` passes (real time, for network transports), at most ~2 s. */
async function eventually(check: () => void): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      check();
      return;
    } catch (error) {
      if (i > 200) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Deadlines, cancellation and leaks. Fake time where the harness allows it, short real budgets elsewhere. */
export function timingConformance(world: () => World): void {
  describe('deadlines and cancellation', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('fails a hanging handler with TIMEOUT at the deadline and aborts its signal', async () => {
      const fake = world().fakeTime;
      if (fake) vi.useFakeTimers();
      const mesh = await world().mesh();
      let seen: RequestContext | undefined;
      await world().agents(mesh, {
        name: 'hang',
        handle: (_m, ctx) => {
          seen = ctx;
          return new Promise(() => undefined);
        },
      });
      const started = Date.now();
      const outcome = mesh.invoke('hang', 'x', { timeoutMs: 200 }).catch((e: unknown) => e as MeshError);
      if (fake) {
        await vi.advanceTimersByTimeAsync(199);
        expect(seen?.signal.aborted).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
      }
      const error = await outcome;
      expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
      if (fake) expect(Date.now() - started).toBe(200);
      else expect(Date.now() - started).toBeGreaterThanOrEqual(195);
      await eventually(() => expect(seen?.signal.aborted).toBe(true));
      expect(MeshError.is(seen!.signal.reason, 'TIMEOUT')).toBe(true);
    });

    it('gives a nested call the remaining budget, which it cannot extend', async () => {
      const fake = world().fakeTime;
      if (fake) vi.useFakeTimers();
      const mesh = await world().mesh();
      const deadlines: Record<string, number | undefined> = {};
      await world().agents(
        mesh,
        {
          name: 'outer',
          async handle(m, ctx) {
            deadlines['outer'] = ctx.deadline;
            await new Promise((r) => setTimeout(r, 50));
            return this.invoke('inner', m, { context: ctx, timeoutMs: 60_000 });
          },
        },
        {
          name: 'inner',
          handle(_m, ctx) {
            deadlines['inner'] = ctx.deadline;
            return new Promise(() => undefined);
          },
        },
      );
      const outcome = mesh.invoke('outer', 'x', { timeoutMs: 300 }).catch((e: unknown) => e as MeshError);
      if (fake) await vi.advanceTimersByTimeAsync(300);
      expect(await outcome).toMatchObject({ code: 'TIMEOUT' });
      expect(deadlines['outer']).toBeDefined();
      expect(deadlines['inner']).toBe(deadlines['outer']);
    });

    it("fails CANCELLED when the caller aborts, and aborts the callee's signal", async () => {
      const mesh = await world().mesh();
      let calleeSignal: AbortSignal | undefined;
      let started!: () => void;
      const running = new Promise<void>((r) => (started = r));
      await world().agents(mesh, {
        name: 'long',
        handle: (_m, ctx) => {
          calleeSignal = ctx.signal;
          started();
          return new Promise(() => undefined);
        },
      });
      const controller = new AbortController();
      const outcome = mesh.invoke('long', 'x', { signal: controller.signal }).catch((e: unknown) => e as MeshError);
      await running;
      controller.abort(new Error('user pressed stop'));
      expect(await outcome).toMatchObject({ code: 'CANCELLED', retryable: false });
      await eventually(() => expect(calleeSignal?.aborted).toBe(true));
      expect(MeshError.is(calleeSignal!.reason, 'CANCELLED')).toBe(true);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('fails at once for an already-aborted signal or a passed parent deadline', async () => {
      const mesh = await world().mesh();
      let calls = 0;
      await world().agents(mesh, { name: 'noop', handle: () => { calls++; return 'ok'; } });
      await expect(mesh.invoke('noop', 'x', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(calls).toBe(0);
    });

    it('leaves no timers, listeners or pending entries after many calls with timeouts', async () => {
      const mesh = await world().mesh();
      await world().agents(mesh, { name: 'echo', handle: (m) => m }, { name: 'fails', handle: () => { throw new Error('no'); } });
      const controller = new AbortController();
      const n = world().leakIterations;
      const batch = 500;
      for (let i = 0; i < n; i += batch) {
        const calls = [];
        for (let j = 0; j < batch; j++) {
          const target = j % 10 === 0 ? 'fails' : 'echo';
          calls.push(mesh.invoke(target, 'x', { timeoutMs: 5_000, signal: controller.signal }).catch(() => undefined));
        }
        await Promise.all(calls);
      }
      await new Promise((r) => setImmediate(r));
      expect(mesh.stats()).toMatchObject({ inFlight: 0, serving: 0, pendingDeadlines: 0, timerActive: false });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      // About a second alone; a loaded 2-core machine running other suites can make it 20x slower.
    }, 90_000);
  });
}
