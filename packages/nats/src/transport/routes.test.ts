import { describe, expect, it } from 'vitest';
import { Subjects } from '../subjects.js';
import { Routes } from './routes.js';

describe('Routes', () => {
  it('coalesce requests to an agent only while most of its recent replies came batched', () => {
    const routes = new Routes(new Subjects('p'));
    const route = routes.get('billing');
    expect(route.subject).toBe('p.agent.billing');
    expect(routes.get('billing')).toBe(route);
    expect(route.coalesce).toBe(false);
    route.replied(true);
    expect(route.coalesce).toBe(false);
    for (let i = 0; i < 6; i++) route.replied(true);
    expect(route.coalesce).toBe(true);
    route.replied(false);
    expect(route.coalesce).toBe(true);
    for (let i = 0; i < 6; i++) route.replied(false);
    expect(route.coalesce).toBe(false);
  });

  it('forget everything past 1024 agents rather than grow without bound', () => {
    const routes = new Routes(new Subjects('p'));
    const first = routes.get('a0');
    for (let i = 1; i <= 1024; i++) routes.get(`a${i}`);
    expect(routes.get('a0')).not.toBe(first);
  });
});
