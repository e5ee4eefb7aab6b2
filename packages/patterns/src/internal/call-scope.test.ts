import { createMesh, defineAgent, MeshError, systemClock, type Clock, type RequestContext, type TimerHandle } from '@agentmesh/core';
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hangUntilAborted, rejectionOf } from '../../test/helpers.js';
import { CallScope } from './call-scope.js';

/** The system clock, counting the timers set through it that are still live. */
function countingClock(): Clock & { live: Set<TimerHandle> } {
  const live = new Set<TimerHandle>();
  return {
    live,
    now: () => systemClock.now(),
    setTimeout: (callback, ms) => {
      const handle = systemClock.setTimeout(() => {
        live.delete(handle);
        callback();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout: (handle) => {
      live.delete(handle);
      systemClock.clearTimeout(handle);
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CallScope', () => {
  it('removes its timer, its parent link and its signal listener on dispose', async () => {
    const clock = countingClock();
    const mesh = createMesh({ clock });
    let parent: RequestContext | undefined;
    await mesh.register(defineAgent({ name: 'probe', handle: (_m, ctx) => void (parent = ctx) }));
    await mesh.invoke('probe', 'x', { timeoutMs: 60_000 });
    const controller = new AbortController();
    const before = clock.live.size;
    const listenersBefore = parent!.cancellation.listenerCount;
    const scope = new CallScope({ mesh, operation: 'test', context: parent!, signal: controller.signal, timeoutMs: 1_000 });
    expect(clock.live.size).toBe(before + 1);
    expect(parent!.cancellation.listenerCount).toBe(listenersBefore + 1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    scope.dispose();
    expect(clock.live.size).toBe(before);
    expect(parent!.cancellation.listenerCount).toBe(listenersBefore);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await mesh.close();
  });

  it('keeps an anonymous caller anonymous (access policies see no sender)', async () => {
    const mesh = createMesh({ access: { '*': ['open'], trusted: ['open', 'secret'] } });
    await mesh.register(defineAgent({ name: 'open', handle: (_m, ctx) => ctx.from ?? '(none)' }));
    await mesh.register(defineAgent({ name: 'secret', handle: () => 'classified' }));
    const anonymous = new CallScope({ mesh, operation: 'test' });
    expect((await anonymous.invoke('open', 'x')).content).toBe('(none)');
    expect((await rejectionOf(anonymous.invoke('secret', 'x'))).code).toBe('ACCESS_DENIED');
    const trusted = new CallScope({ mesh, operation: 'test', from: 'trusted' });
    expect((await trusted.invoke('secret', 'x')).content).toBe('classified');
    anonymous.dispose();
    trusted.dispose();
    await mesh.close();
  });

  it('cancels outstanding hops when cancelled, and refuses new ones with the same reason', async () => {
    const mesh = createMesh();
    const seen: RequestContext[] = [];
    await mesh.register(defineAgent({ name: 'hang', handle: (_m, ctx) => hangUntilAborted(seen)(ctx) }));
    const scope = new CallScope({ mesh, operation: 'test', from: 'caller' });
    const hop = rejectionOf(scope.invoke('hang', 'x'));
    const reason = new MeshError('CANCELLED', 'enough');
    scope.cancel(reason);
    expect(await hop).toBe(reason);
    expect(seen[0]!.signal.reason).toBe(reason);
    expect(await rejectionOf(scope.invoke('hang', 'y'))).toBe(reason);
    expect(seen).toHaveLength(1);
    scope.dispose();
    await mesh.close();
  });

  it('gives hops the deadline of the operation, never later than the caller’s', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const mesh = createMesh();
    const deadlines: (number | undefined)[] = [];
    await mesh.register(defineAgent({ name: 'probe', handle: (_m, ctx) => void deadlines.push(ctx.deadline) }));
    const scope = new CallScope({ mesh, operation: 'test', timeoutMs: 250 });
    await scope.invoke('probe', 'x');
    await scope.invoke('probe', 'x', 100);
    const named = new CallScope({ mesh, operation: 'test', from: 'caller', timeoutMs: 250 });
    await named.invoke('probe', 'x');
    expect(deadlines).toEqual([1_000_250, 1_000_100, 1_000_250]);
    scope.dispose();
    named.dispose();
    await mesh.close();
  });
});
