import { InMemoryTransport, MeshError, defineAgent, type Message, type Mesh } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { useMeshes } from '../../test/meshes.js';
import { ObservableAgent } from './observable-agent.js';
import { observerTopic } from './topic.js';

const { mesh: newMesh } = useMeshes();
const on = (transport: InMemoryTransport): Mesh => newMesh({ transport, closeTransport: false });

/** Waits until `check` holds, giving asynchronous deliveries a few turns. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !check(); i++) await new Promise((r) => setImmediate(r));
}

describe('ObservableAgent over topics', () => {
  it('publishes on observe.<agent>.<event>: another process subscribes without being attached', async () => {
    const network = new InMemoryTransport({ serialize: true });
    const here = on(network);
    const there = on(network);
    const orders = new ObservableAgent({ name: 'orders.eu' });
    await here.register(orders);
    const seen: [string, Message][] = [];
    await there.subscribe(observerTopic('orders.eu', '>'), (m, info) => void seen.push([info.topic, m])).ready;
    await orders.notifyObservers('order.created', { id: 'E-1' });
    await until(() => seen.length === 1);
    expect(seen[0]![0]).toBe('observe.orders:eu.order.created');
    expect(seen[0]![1]).toMatchObject({ content: { id: 'E-1' }, metadata: { event: 'order.created', source: 'orders.eu' } });
  });

  it('reaches an observer agent in another process, once per event even with replicas of the observable', async () => {
    const network = new InMemoryTransport({ serialize: true });
    const got: Message[] = [];
    await on(network).register(defineAgent({ name: 'audit', handle: (m) => void got.push(m) }));
    const replicas = [new ObservableAgent({ name: 'orders' }), new ObservableAgent({ name: 'orders' })];
    for (const replica of replicas) {
      replica.attachObserver('audit');
      await on(network).register(replica);
    }
    await replicas[0]!.notifyObservers('order.created', { n: 1 });
    await replicas[1]!.notifyObservers('order.created', { n: 2 });
    await replicas[0]!.notifyObservers('order.created', { n: 3 });
    await until(() => got.length >= 3);
    await Promise.all(replicas.map((r) => r.drain()));
    expect(got.map((m) => m.content)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('ignores events on its topic that it did not publish', async () => {
    const network = new InMemoryTransport();
    const m = on(network);
    const got: Message[] = [];
    await m.register(defineAgent({ name: 'audit', handle: (msg) => void got.push(msg) }));
    const orders = new ObservableAgent({ name: 'orders' });
    orders.attachObserver('audit');
    await m.register(orders);
    await on(network).publish(observerTopic('orders', 'order.refunded'), { content: { id: 1 }, metadata: { event: 'order.refunded', source: 'orders' } }, { from: 'mallory' });
    await orders.drain();
    expect(got).toHaveLength(0);
    expect(orders.deliveryStats()).toEqual({ delivered: 0, failed: 0, inFlight: 0 });
  });

  it('keeps observers attached before registration, and across unregister and register', async () => {
    const m = on(new InMemoryTransport());
    const got: Message[] = [];
    await m.register(defineAgent({ name: 'audit', handle: (msg) => void got.push(msg) }));
    const orders = new ObservableAgent({ name: 'orders' });
    orders.attachObserver('audit');
    await m.register(orders);
    await orders.notifyObservers('a', 1);
    await m.unregister('orders');
    await m.register(orders);
    await orders.notifyObservers('b', 2);
    await orders.drain();
    expect(got.map((msg) => msg.metadata['event'])).toEqual(['a', 'b']);
    expect(m.stats().subscriptions).toBe(1);
  });

  it('counts every event as a failed delivery for an observer whose subscription could not be made', async () => {
    class NoSubscriptions extends InMemoryTransport {
      override subscribe(): Promise<never> {
        return Promise.reject(new MeshError('TRANSPORT_ERROR', 'subscriptions unavailable'));
      }
    }
    const m = on(new NoSubscriptions());
    const logged = vi.spyOn(m.logger, 'error');
    const orders = new ObservableAgent({ name: 'orders' });
    orders.attachObserver('audit');
    await m.register(orders);
    await orders.notifyObservers('a', 1);
    await orders.notifyObservers('b', 2);
    expect(orders.deliveryStats()).toEqual({ delivered: 0, failed: 2, inFlight: 0 });
    const failures = logged.mock.calls.filter(([, msg]) => msg === 'observer delivery failed').map(([facts]) => facts as Record<string, unknown>);
    expect(failures.map((f) => [f['event'], f['observer'], f['code']])).toEqual([
      ['a', 'audit', 'TRANSPORT_ERROR'],
      ['b', 'audit', 'TRANSPORT_ERROR'],
    ]);
  });
});
