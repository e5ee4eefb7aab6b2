import { describe, expect, it } from 'vitest';
import { createMessage, type Message } from '../message/message.js';
import type { EventInfo } from '../mesh/types.js';
import type { World } from './world.js';

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

/** Publish/subscribe: data and metadata arrive, failures are contained, wildcards and queue groups. */
export function eventConformance(world: () => World): void {
  describe('events', () => {
    it('delivers content and metadata to every subscriber; a throwing one breaks nothing', async () => {
      const publisher = await world().mesh();
      const listener = await world().mesh();
      const got: [Message, EventInfo][] = [];
      const bad = listener.subscribe('incident.opened', () => {
        throw new Error('dashboard crashed');
      });
      const bad2 = listener.subscribe('incident.opened', () => Promise.reject(new Error('async crash')));
      const good = listener.subscribe('incident.opened', (m, info) => {
        got.push([m, info]);
      });
      await Promise.all([bad.ready, bad2.ready, good.ready]);
      await publisher.publish('incident.opened', createMessage({ content: { id: 7 }, metadata: { severity: 'high' } }), { from: 'desk' });
      await publisher.publish('incident.opened', { content: { id: 8 } });
      await until(() => got.length === 2 && listener.stats().events.failed === 4);
      expect(got.map(([m]) => m.content)).toEqual([{ id: 7 }, { id: 8 }]);
      expect(got[0]![0].metadata).toEqual({ severity: 'high' });
      expect(got[0]![1]).toMatchObject({ topic: 'incident.opened', from: 'desk' });
      expect(listener.stats().events).toMatchObject({ failed: 4, pending: 0 });
    });

    it('matches wildcards: * for one token, > for the rest', async () => {
      const mesh = await world().mesh();
      const star: string[] = [];
      const tail: string[] = [];
      const a = mesh.subscribe('agent.*.state', (_m, info) => void star.push(info.topic));
      const b = mesh.subscribe('agent.>', (_m, info) => void tail.push(info.topic));
      await Promise.all([a.ready, b.ready]);
      for (const topic of ['agent.pager.state', 'agent.pager.state.extra', 'agent', 'other.pager.state']) await mesh.publish(topic, 'x');
      await until(() => tail.length === 2 && star.length === 1);
      expect(star).toEqual(['agent.pager.state']);
      expect(tail.sort()).toEqual(['agent.pager.state', 'agent.pager.state.extra']);
    });

    it('shares events within a queue group and stops delivering after unsubscribe', async () => {
      const mesh = await world().mesh();
      const counts = [0, 0];
      const subs = [0, 1].map((i) => mesh.subscribe('jobs.new', () => void counts[i]!++, { queue: 'workers' }));
      await Promise.all(subs.map((s) => s.ready));
      for (let i = 0; i < 20; i++) await mesh.publish('jobs.new', 'job');
      await until(() => counts[0]! + counts[1]! === 20);
      expect(counts[0]! + counts[1]!).toBe(20);
      await Promise.all(subs.map((s) => s.unsubscribe()));
      await mesh.publish('jobs.new', 'late');
      await new Promise((r) => setTimeout(r, 30));
      expect(counts[0]! + counts[1]!).toBe(20);
    });

    it('does not deliver an event to a subscriber added while it is delivered, nor after unsubscribe()', async () => {
      const publisher = await world().mesh();
      const listener = await world().mesh();
      const seen: unknown[] = [];
      let late = 0;
      const first = listener.subscribe('order.placed', (m) => {
        seen.push(m.content);
        listener.subscribe('order.placed', () => void late++);
      });
      await first.ready;
      await publisher.publish('order.placed', { content: { n: 1 } });
      await until(() => seen.length >= 1);
      await new Promise((r) => setTimeout(r, 30));
      expect(seen).toEqual([{ n: 1 }]);
      expect(late).toBe(0);
      // Unsubscribed and not even awaited: nothing more reaches the subscriber.
      let after = 0;
      const gone = listener.subscribe('order.gone', () => void after++);
      await gone.ready;
      void gone.unsubscribe();
      await publisher.publish('order.gone', 'x');
      await new Promise((r) => setTimeout(r, 30));
      expect(after).toBe(0);
    });

    it('rejects bad topics and bad events with typed errors', async () => {
      const mesh = await world().mesh();
      await expect(mesh.publish('bad topic', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(mesh.publish('a.*', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(mesh.publish('ok', { content: { f: 1n } as never })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
      expect(() => mesh.subscribe('a..b', () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    });
  });
}
