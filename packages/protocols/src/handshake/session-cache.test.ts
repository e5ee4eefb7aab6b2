import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock.js';
import { SessionCache } from './session-cache.js';
import type { HandshakeAccepted } from './types.js';

function accepted(peer: string): HandshakeAccepted {
  return { accepted: true, peer, version: '1.0', capabilities: [] };
}

/** Stores one accepted session for the pair, as a completed handshake does. */
function store(cache: SessionCache, from: string, to: string): boolean {
  const pending = cache.begin(from, to);
  try {
    return cache.set(pending, ['1.0'], accepted(to));
  } finally {
    cache.end(pending);
  }
}

describe('SessionCache', () => {
  it('sweeps stale sessions on write in amortized constant time, not by rescanning the cache each write', async () => {
    const clock = new ManualClock();
    let lookups = 0;
    const cache = new SessionCache(clock, 10, () => {
      lookups += 1;
      return undefined;
    });
    const writes = 10_000;
    for (let i = 0; i < writes; i++) {
      expect(store(cache, 'planner', `task-${i}`)).toBe(true);
      await clock.advance(1);
    }
    // begin and set look the peer up once each; beyond that, sweeps ran on write, and cost at most a
    // constant factor on top.
    expect(lookups).toBeGreaterThan(2 * writes);
    expect(lookups).toBeLessThan(6 * writes);
    expect(cache.size).toBeLessThanOrEqual(10);
  });

  it('ties a session to the local instance that served the peer', () => {
    const clock = new ManualClock();
    const served = new Map<string, object>([['search', {}]]);
    const cache = new SessionCache(clock, Infinity, (name) => served.get(name));
    store(cache, 'planner', 'search');
    store(cache, 'planner', 'remote');
    expect(cache.find('planner', 'search', ['1.0'], [])).toBeDefined();
    served.set('search', {});
    expect(cache.find('planner', 'search', ['1.0'], [])).toBeUndefined();
    // A remote peer that starts being served locally is a different peer too.
    expect(cache.peek('planner', 'remote')).toBeDefined();
    served.set('remote', {});
    expect(cache.peek('planner', 'remote')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps an in-flight record only while a handshake of the pair runs', () => {
    const cache = new SessionCache(new ManualClock(), Infinity, () => undefined);
    const first = cache.begin('a', 'b');
    const second = cache.begin('a', 'b');
    cache.delete('a', 'b');
    expect(cache.set(first, ['1.0'], accepted('b'))).toBe(false);
    cache.end(first);
    expect(cache.set(second, ['1.0'], accepted('b'))).toBe(false);
    cache.end(second);
    // The revocation ended with the handshakes it applied to.
    expect(store(cache, 'a', 'b')).toBe(true);
    expect(cache.size).toBe(1);
  });
});
