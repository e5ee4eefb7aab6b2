import { describe, expect, it } from 'vitest';
import { DEFAULT_DURABLE, resolveOptions } from './options.js';

describe('options', () => {
  it('apply documented defaults', () => {
    const o = resolveOptions({});
    expect(o).toMatchObject({ prefix: 'agentmesh', maxBytes: 1024 * 1024, closeTimeoutMs: 10_000, reconnectGraceMs: 2_000, inboxPrefix: '_INBOX' });
    expect(o.durable).toMatchObject({ ...DEFAULT_DURABLE, deadLetterStore: undefined });
  });

  it('refuse bad numbers and contradictory connection options', () => {
    for (const bad of [0, -1, Number.NaN, Infinity]) expect(() => resolveOptions({ maxMessageBytes: bad })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => resolveOptions({ durable: { maxDeliver: 0 } })).toThrow(/durable.maxDeliver/);
    expect(() => resolveOptions({ reconnectGraceMs: -1 })).toThrow(/reconnectGraceMs/);
    expect(resolveOptions({ reconnectGraceMs: 0 }).reconnectGraceMs).toBe(0);
    for (const bad of [0, 1.5, 1025, Number.NaN]) expect(() => resolveOptions({ maxCoalesced: bad })).toThrow(/maxCoalesced/);
    expect(resolveOptions({ maxCoalesced: 1 }).maxCoalesced).toBe(1);
    expect(resolveOptions({}).maxCoalesced).toBe(64);
  });
});
