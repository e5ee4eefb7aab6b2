import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/helpers.js';
import { useMeshes } from '../../test/meshes.js';
import { ObservableAgent } from './observable-agent.js';
import { observerTopic } from './topic.js';

const { mesh } = useMeshes();

describe('observerTopic', () => {
  it('names the agent and the event, with dots of agent names as ":" so names never collide', () => {
    expect(observerTopic('orders', 'order.created')).toBe('observe.orders.order.created');
    expect(observerTopic('orders.eu', 'created')).toBe('observe.orders:eu.created');
    expect(observerTopic('orders', '>', 'events')).toBe('events.orders.>');
    expect(() => observerTopic('orders', 'order created')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => observerTopic('orders', 'a.*')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => observerTopic('bad name', 'x')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('ObservableAgent, validation', () => {
  it('rejects an unregistered agent, a bad event name and data that is not JSON', async () => {
    const orders = new ObservableAgent({ name: 'orders' });
    expect((await rejectionOf(orders.notifyObservers('e', 1))).code).toBe('INVALID_ARGUMENT');
    const m = mesh();
    await m.register(orders);
    expect((await rejectionOf(orders.notifyObservers('order created', 1))).code).toBe('INVALID_ARGUMENT');
    expect((await rejectionOf(orders.notifyObservers('e', { when: new Date() } as never))).code).toBe('INVALID_MESSAGE');
    expect(() => orders.attachObserver('not a name')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => orders.attachObserver(42 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
