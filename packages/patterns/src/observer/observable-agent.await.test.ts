import { defineAgent, MeshError, type Message, type Mesh, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { deferred, hangUntilAborted, rejectionOf } from '../../test/helpers.js';
import { useMeshes } from '../../test/meshes.js';
import { ObservableAgent } from './observable-agent.js';
import type { JsonValue } from '@agentmesh/core';
import type { ObservedEvent, ObserverFunction, ObserverOutcome } from './types.js';

const { mesh: newMesh } = useMeshes();

async function setup(): Promise<{ mesh: Mesh; orders: ObservableAgent }> {
  const mesh = newMesh();
  const orders = new ObservableAgent({ name: 'orders' });
  await mesh.register(orders);
  return { mesh, orders };
}

describe('ObservableAgent, await: true', () => {
  it('returns one outcome per observer, in attach order, without rejecting for their failures', async () => {
    const { mesh, orders } = await setup();
    const got: Message[] = [];
    await mesh.register(defineAgent({ name: 'audit', handle: (m) => void got.push(m) }));
    await mesh.register(defineAgent({ name: 'broken', handle: () => Promise.reject(new Error('inbox full')) }));
    const fn = vi.fn();
    const failing = (): Promise<void> => Promise.reject(new MeshError('QUEUE_FULL', 'dashboard busy'));
    for (const observer of ['audit', 'broken', 'ghost', fn, failing]) orders.attachObserver(observer);
    const outcomes = await orders.notifyObservers('order.paid', { id: 3 }, undefined, { await: true });
    expect(outcomes).toEqual<ObserverOutcome[]>([
      { observer: 'audit', status: 'delivered' },
      { observer: 'broken', status: 'failed', code: 'HANDLER_ERROR', message: expect.stringContaining('inbox full') as string, retryable: true },
      { observer: 'ghost', status: 'failed', code: 'AGENT_NOT_FOUND', message: expect.any(String) as string, retryable: false },
      { observer: fn, status: 'delivered' },
      { observer: failing, status: 'failed', code: 'QUEUE_FULL', message: 'dashboard busy', retryable: true },
    ]);
    expect(got.map((m) => [m.metadata['event'], m.content])).toEqual([['order.paid', { id: 3 }]]);
    expect(fn).toHaveBeenCalledWith(expect.objectContaining({ event: 'order.paid', data: { id: 3 }, source: 'orders' }));
    expect(orders.deliveryStats()).toEqual({ delivered: 2, failed: 3, inFlight: 0 });
  });

  it('delivers once: an awaited event is not delivered again by the subscriptions', async () => {
    const { mesh, orders } = await setup();
    const got: Message[] = [];
    await mesh.register(defineAgent({ name: 'audit', handle: (m) => void got.push(m) }));
    orders.attachObserver('audit');
    const topicSeen: Message[] = [];
    await mesh.subscribe('observe.orders.>', (m) => void topicSeen.push(m)).ready;
    await orders.notifyObservers('e', 1, undefined, { await: true });
    await orders.drain();
    expect(got).toHaveLength(1);
    expect(topicSeen).toHaveLength(1);
  });

  it('runs awaited deliveries under the caller’s context: cancelling the caller aborts them', async () => {
    const { mesh, orders } = await setup();
    const seen: RequestContext[] = [];
    const started = deferred();
    await mesh.register(defineAgent({ name: 'slow', handle: (_m, ctx) => hangUntilAborted(seen, () => started.resolve())(ctx) }));
    orders.attachObserver('slow');
    let outcomes: Promise<ObserverOutcome[]> | undefined;
    await mesh.register(
      defineAgent({
        name: 'clerk',
        handle: async (_m, ctx) => {
          outcomes = orders.notifyObservers('order.created', { id: 1 }, ctx, { await: true });
          await outcomes;
          return 'done';
        },
      }),
    );
    const controller = new AbortController();
    const call = mesh.invoke('clerk', 'go', { signal: controller.signal, timeoutMs: 5_000 });
    await started.promise;
    const ctx = seen[0]!;
    expect(ctx.depth).toBe(2);
    expect(ctx.deadline).toBeDefined();
    controller.abort();
    expect((await rejectionOf(call)).code).toBe('CANCELLED');
    expect(ctx.signal.aborted).toBe(true);
    expect(await outcomes).toEqual([{ observer: 'slow', status: 'failed', code: 'CANCELLED', message: expect.any(String), retryable: false }]);
  });

  it('stops waiting for a function observer at the caller’s deadline', async () => {
    vi.useFakeTimers();
    const { mesh, orders } = await setup();
    orders.attachObserver(function stuck() {
      return new Promise<void>(() => undefined);
    });
    await mesh.register(
      defineAgent({
        name: 'clerk',
        handle: async (_m, ctx) => orders.notifyObservers('e', 1, ctx, { await: true }).then((o) => o.map((x) => x.status)),
      }),
    );
    const call = rejectionOf(mesh.invoke('clerk', 'go', { timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(100);
    expect((await call).code).toBe('TIMEOUT');
    await vi.advanceTimersByTimeAsync(0);
    expect(orders.deliveryStats()).toEqual({ delivered: 0, failed: 1, inFlight: 0 });
  });
});

/**
 * Observer functions that return something other than undefined or a promise, as plain JavaScript
 * (or an arrow with an expression body) often does: only a throw or a rejection is a failure.
 */
function nonPromiseObservers(seen: JsonValue[]) {
  const observers = {
    pushes: (event: ObservedEvent) => seen.push(event.data), // returns the new length
    returnsObject: () => ({ ok: true }),
    returnsNull: () => null,
    thenable: () => ({ then: (resolve: (value: unknown) => void) => resolve('done') }), // not a Promise
    badThenable: () => ({
      then: () => {
        throw new Error('then broke');
      },
    }),
  };
  // No cast: an observer may return anything (only a returned promise is waited for).
  const typed: Record<keyof typeof observers, ObserverFunction> = observers;
  return typed;
}

describe('ObservableAgent: observer functions that return a value that is not a promise', () => {
  const expected = (o: ReturnType<typeof nonPromiseObservers>): ObserverOutcome[] => [
    { observer: o.pushes, status: 'delivered' },
    { observer: o.returnsObject, status: 'delivered' },
    { observer: o.returnsNull, status: 'delivered' },
    { observer: o.thenable, status: 'delivered' },
    { observer: o.badThenable, status: 'failed', code: 'HANDLER_ERROR', message: expect.stringContaining('then broke') as string, retryable: true },
  ];

  const attachAll = (orders: ObservableAgent) => {
    const seen: JsonValue[] = [];
    const o = nonPromiseObservers(seen);
    for (const observer of Object.values(o)) orders.attachObserver(observer);
    return { seen, o };
  };

  it('awaited without a context: counts them delivered and resolves instead of rejecting', async () => {
    const { orders } = await setup();
    const { seen, o } = attachAll(orders);
    const outcomes = await orders.notifyObservers('e', 3, undefined, { await: true });
    expect(outcomes).toEqual(expected(o));
    expect(seen).toEqual([3]);
    expect(orders.deliveryStats()).toEqual({ delivered: 4, failed: 1, inFlight: 0 });
  });

  it('awaited under a caller’s context: counts them delivered, not failed', async () => {
    const { mesh, orders } = await setup();
    const { seen, o } = attachAll(orders);
    let outcomes: ObserverOutcome[] | undefined;
    await mesh.register(
      defineAgent({
        name: 'clerk',
        handle: async (_m, ctx) => {
          outcomes = await orders.notifyObservers('e', 2, ctx, { await: true });
          return 'done';
        },
      }),
    );
    expect((await mesh.invoke('clerk', 'go')).content).toBe('done');
    expect(outcomes).toEqual(expected(o));
    expect(seen).toEqual([2]);
    expect(orders.deliveryStats()).toEqual({ delivered: 4, failed: 1, inFlight: 0 });
  });

  it('fire-and-forget: counts every delivery, as delivered or failed, and drains', async () => {
    const { mesh, orders } = await setup();
    const error = vi.spyOn(mesh.logger, 'error');
    const { seen } = attachAll(orders);
    await orders.notifyObservers('e', 1);
    await orders.drain();
    expect(seen).toEqual([1]);
    expect(orders.deliveryStats()).toEqual({ delivered: 4, failed: 1, inFlight: 0 });
    expect(error).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ observer: 'badThenable', code: 'HANDLER_ERROR' }), 'observer delivery failed');
  });
});
