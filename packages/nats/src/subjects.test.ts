import { describe, expect, it } from 'vitest';
import { assertStreamName, isSubjectPath, Subjects } from './subjects.js';

describe('subjects', () => {
  it('lays out every subject under the prefix', () => {
    const s = new Subjects('acme.prod');
    expect(s.agent('billing.v2')).toBe('acme.prod.agent.billing.v2');
    expect(s.cancel('billing')).toBe('acme.prod.cancel.billing');
    expect(s.event('orders.*')).toBe('acme.prod.event.orders.*');
    expect(s.topicOf('acme.prod.event.orders.created')).toBe('orders.created');
    expect(s.discover).toBe('acme.prod.discover');
    expect(s.eventStream).toBe('acme_prod_events');
    expect(s.deadLetterStream).toBe('acme_prod_dlq');
  });

  it('builds each agent and event subject once, and stays right past its cache size', () => {
    const s = new Subjects('acme');
    expect(s.agent('billing')).toBe(s.agent('billing'));
    for (let i = 0; i < 3000; i++) {
      expect(s.event(`t${i}`)).toBe(`acme.event.t${i}`);
      expect(s.agent(`a${i}`)).toBe(`acme.agent.a${i}`);
    }
    expect(s.event('t0')).toBe('acme.event.t0');
  });

  it('refuses prefixes and names that are not plain subject tokens', () => {
    for (const bad of ['', 'a b', 'a.*', 'a.>', 'a..b', '.a', 'x'.repeat(65)]) expect(() => new Subjects(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(isSubjectPath('a.b-c_d:e')).toBe(true);
    expect(isSubjectPath('a.*')).toBe(false);
    expect(() => assertStreamName('has.dot', 'durable name')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => assertStreamName('ok-name_1', 'durable name')).not.toThrow();
  });
});
