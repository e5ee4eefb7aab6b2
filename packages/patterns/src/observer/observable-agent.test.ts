import { InMemoryTransport, defineAgent, type Message, type Mesh, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { deferred } from '../../test/helpers.js';
import { useMeshes } from '../../test/meshes.js';
import { readObservedEvent } from './event-message.js';
import { ObservableAgent } from './observable-agent.js';
import type { ObservedEvent } from './types.js';

const { mesh: newMesh } = useMeshes();
const mesh = (transport = new InMemoryTransport()): Mesh => newMesh({ transport, closeTransport: false });

/** An agent observer that records what it receives. */
function recorder(name: string, got: Message[], contexts: RequestContext[] = []) {
  return defineAgent({
    name,
    handle: (m, ctx) => {
      got.push(m);
      contexts.push(ctx);
      return 'ack';
    },
  });
}

describe('ObservableAgent, fire-and-forget', () => {
  it('regression (guide bug 5): observers receive the event name AND its data; deliveries are tracked', async () => {
    const m = mesh();
    const got: Message[] = [];
    const calls: ObservedEvent[] = [];
    await m.register(recorder('audit', got));
    const orders = new ObservableAgent({ name: 'orders' });
    orders.attachObserver('audit');
    orders.attachObserver((event) => void calls.push(event));
    await m.register(orders);
    await orders.notifyObservers('order.created', { id: 'A-1', total: 12.5 });
    await orders.drain();
    expect(got).toHaveLength(1);
    expect(readObservedEvent(got[0]!)).toMatchObject({ event: 'order.created', data: { id: 'A-1', total: 12.5 }, source: 'orders' });
    expect(got[0]!.metadata).toMatchObject({ event: 'order.created', source: 'orders' });
    expect(calls).toEqual([expect.objectContaining({ event: 'order.created', data: { id: 'A-1', total: 12.5 }, source: 'orders' })]);
    expect(orders.deliveryStats()).toEqual({ delivered: 2, failed: 0, inFlight: 0 });
  });

  it('attaches idempotently, and delivers nothing after detach', async () => {
    const m = mesh();
    const got: Message[] = [];
    await m.register(recorder('audit', got));
    const orders = new ObservableAgent({ name: 'orders' });
    await m.register(orders);
    const fn = vi.fn();
    expect(orders.attachObserver('audit')).toBe(true);
    expect(orders.attachObserver('audit')).toBe(false);
    expect(orders.attachObserver(fn)).toBe(true);
    expect(orders.attachObserver(fn)).toBe(false);
    expect(orders.observers).toEqual(['audit', fn]);
    await orders.notifyObservers('tick', 1);
    await orders.drain();
    expect(got).toHaveLength(1);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(orders.detachObserver('audit')).toBe(true);
    expect(orders.detachObserver('audit')).toBe(false);
    expect(orders.detachObserver(fn)).toBe(true);
    await orders.notifyObservers('tick', 2);
    await orders.drain();
    expect(got).toHaveLength(1);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('logs and counts failed deliveries, never an unhandled rejection', async () => {
    const m = mesh();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const logged = vi.spyOn(m.logger, 'error');
      await m.register(defineAgent({ name: 'flaky', handle: () => Promise.reject(new Error('inbox full')) }));
      const orders = new ObservableAgent({ name: 'orders' });
      await m.register(orders);
      orders.attachObserver('flaky');
      orders.attachObserver('ghost');
      orders.attachObserver(async function dashboard() {
        throw new Error('render failed');
      });
      orders.attachObserver(function strict() {
        throw new TypeError('bad event');
      });
      await orders.notifyObservers('order.created', { id: 1 });
      await orders.drain();
      await new Promise((r) => setImmediate(r));
      expect(orders.deliveryStats()).toEqual({ delivered: 0, failed: 4, inFlight: 0 });
      const failures = logged.mock.calls.filter(([, msg]) => msg === 'observer delivery failed').map(([facts]) => facts as Record<string, unknown>);
      expect(failures.map((f) => [f['observer'], f['code']]).sort()).toEqual([
        ['dashboard', 'HANDLER_ERROR'],
        ['flaky', 'HANDLER_ERROR'],
        ['ghost', 'AGENT_NOT_FOUND'],
        ['strict', 'HANDLER_ERROR'],
      ]);
      expect(failures.every((f) => f['event'] === 'order.created' && f['source'] === 'orders')).toBe(true);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('drain() waits for deliveries still in flight; the mesh’s close() does too', async () => {
    const m = mesh();
    const release = deferred();
    let finished = false;
    await m.register(
      defineAgent({
        name: 'slow',
        handle: async () => {
          await release.promise;
          finished = true;
        },
      }),
    );
    const orders = new ObservableAgent({ name: 'orders' });
    orders.attachObserver('slow');
    await m.register(orders);
    await orders.notifyObservers('e', null);
    expect(orders.deliveryStats()).toEqual({ delivered: 0, failed: 0, inFlight: 1 });
    let drained = false;
    const draining = orders.drain().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    let closed = false;
    const closing = m.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect([drained, closed]).toEqual([false, false]);
    release.resolve();
    await Promise.all([draining, closing]);
    expect(finished).toBe(true);
    expect(orders.deliveryStats()).toEqual({ delivered: 1, failed: 0, inFlight: 0 });
  });

  it('keeps the notifier’s trace and depth, but a delivery outlives the notifying request', async () => {
    const m = mesh();
    const contexts: RequestContext[] = [];
    const release = deferred();
    await m.register(
      defineAgent({
        name: 'slow-audit',
        handle: async (_m, ctx) => {
          contexts.push(ctx);
          await release.promise;
          return ctx.signal.aborted ? 'aborted' : 'ok';
        },
      }),
    );
    class Orders extends ObservableAgent {
      override async handle(_message: Message, ctx: RequestContext): Promise<string> {
        notifier = ctx;
        await this.notifyObservers('order.created', { id: 9 }, ctx);
        return 'created';
      }
    }
    let notifier: RequestContext | undefined;
    const orders = new Orders({ name: 'orders' });
    orders.attachObserver('slow-audit');
    await m.register(orders);
    await m.invoke('orders', 'create', { timeoutMs: 1_000 });
    expect(contexts[0]!.traceId).toBe(notifier!.traceId);
    expect(contexts[0]!.depth).toBe(notifier!.depth + 1);
    expect(contexts[0]!.from).toBe('orders');
    release.resolve();
    await orders.drain();
    expect(orders.deliveryStats()).toMatchObject({ delivered: 1, failed: 0 });
    expect(contexts[0]!.signal.aborted).toBe(false);
  });

  it('stops a notification loop with MAX_DEPTH instead of running forever', async () => {
    const m = newMesh({ maxDepth: 6 });
    class Echo extends ObservableAgent {
      override async handle(message: Message, ctx: RequestContext): Promise<void> {
        await this.notifyObservers('echo', readObservedEvent(message).data, ctx);
      }
    }
    const logged = vi.spyOn(m.logger, 'error');
    const ping = new Echo({ name: 'ping' });
    const pong = new Echo({ name: 'pong' });
    ping.attachObserver('pong');
    pong.attachObserver('ping');
    await m.register(ping);
    await m.register(pong);
    await ping.notifyObservers('echo', 'hello');
    for (let i = 0; i < 10; i++) await Promise.all([ping.drain(), pong.drain()]);
    const total = { delivered: ping.deliveryStats().delivered + pong.deliveryStats().delivered, failed: ping.deliveryStats().failed + pong.deliveryStats().failed };
    // Depths 1 to 6 are delivered; the delivery at depth 7 fails.
    expect(total).toEqual({ delivered: 6, failed: 1 });
    expect(logged.mock.calls.map(([facts]) => (facts as { code?: string }).code)).toEqual(['MAX_DEPTH']);
  });
});
