import { describe, expect, it, vi } from 'vitest';
import { Subjects } from '../subjects.js';
import { DECLINED_FOR_MS, Routes } from './routes.js';

describe('Routes', () => {
  it('coalesce requests to an agent only while nearly all of its recent replies came batched', () => {
    const routes = new Routes(new Subjects('p'));
    const route = routes.get('billing');
    expect(route.subject).toBe('p.agent.billing');
    expect(routes.get('billing')).toBe(route);
    expect(route.coalesce).toBe(false);
    for (let i = 0; i < 30; i++) route.replied(true);
    expect(route.coalesce).toBe(false);
    for (let i = 0; i < 10; i++) route.replied(true);
    expect(route.coalesce).toBe(true);
    route.replied(false);
    expect(route.coalesce).toBe(false);
    // One request in five awaiting something keeps it off for good.
    for (let i = 0; i < 400; i++) route.replied(i % 5 !== 0);
    expect(route.coalesce).toBe(false);
    for (let i = 0; i < 400; i++) route.replied(i % 50 !== 0);
    expect(route.coalesce).toBe(true);
  });

  it('go one by one for a while after a replica refused a whole batch', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const route = new Routes(new Subjects('p')).get('billing');
      for (let i = 0; i < 100; i++) route.replied(true);
      expect(route.coalesce).toBe(true);
      route.decline();
      for (let i = 0; i < 100; i++) route.replied(true);
      expect(route.coalesce).toBe(false);
      vi.advanceTimersByTime(DECLINED_FOR_MS);
      expect(route.coalesce).toBe(true);
      // Refused again: twice as long; a batch taken starts over.
      route.decline();
      for (let i = 0; i < 100; i++) route.replied(true);
      vi.advanceTimersByTime(DECLINED_FOR_MS);
      expect(route.coalesce).toBe(false);
      vi.advanceTimersByTime(DECLINED_FOR_MS);
      expect(route.coalesce).toBe(true);
      route.accepted();
      route.decline();
      for (let i = 0; i < 100; i++) route.replied(true);
      vi.advanceTimersByTime(DECLINED_FOR_MS);
      expect(route.coalesce).toBe(true);
      // The batches of one burst are refused together: one refusal, one second.
      route.decline();
      route.decline();
      route.decline();
      for (let i = 0; i < 100; i++) route.replied(true);
      vi.advanceTimersByTime(DECLINED_FOR_MS * 2);
      expect(route.coalesce).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('forget everything past 1024 agents rather than grow without bound', () => {
    const routes = new Routes(new Subjects('p'));
    const first = routes.get('a0');
    for (let i = 1; i <= 1024; i++) routes.get(`a${i}`);
    expect(routes.get('a0')).not.toBe(first);
  });
});
