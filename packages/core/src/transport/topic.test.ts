import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertTopic, topicMatches } from './topic.js';

const accepts = (topic: unknown, wildcards: boolean): boolean => {
  try {
    assertTopic(topic, wildcards);
    return true;
  } catch (error) {
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    return false;
  }
};

// The rule, written token by token: what the one-pass check must agree with.
const byTokens = (topic: string, wildcards: boolean): boolean =>
  topic.length > 0 &&
  topic.length <= 256 &&
  topic.split('.').every((t, i, all) => /^[A-Za-z0-9_:-]+$/.test(t) || (wildcards && (t === '*' || (t === '>' && i === all.length - 1))));

describe('topics', () => {
  it('accepts dot-separated tokens, and wildcards only where asked', () => {
    for (const topic of ['a', 'orders.created', 'tenant-1:eu.orders_v2.x']) {
      expect(accepts(topic, false)).toBe(true);
      expect(accepts(topic, true)).toBe(true);
    }
    for (const topic of ['orders.*', 'orders.>', '*.created', '>', '*']) {
      expect(accepts(topic, false)).toBe(false);
      expect(accepts(topic, true)).toBe(true);
    }
    for (const topic of ['', '.', 'a.', '.a', 'a..b', 'a b', 'a.>.b', 'ä', 'a\n', 'x'.repeat(257), 42, null, undefined]) {
      expect(accepts(topic, false)).toBe(false);
      expect(accepts(topic, true)).toBe(false);
    }
  });

  it('agrees with the token-by-token rule on any string', () => {
    const unit = fc.constantFrom('a', 'Z', '0', '_', ':', '-', '.', '*', '>', ' ', 'é', '\n');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), fc.boolean(), (topic, wildcards) => {
        expect(accepts(topic, wildcards)).toBe(byTokens(topic, wildcards));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches NATS-style patterns', () => {
    expect(topicMatches('orders.*', 'orders.created')).toBe(true);
    expect(topicMatches('orders.*', 'orders.created.eu')).toBe(false);
    expect(topicMatches('orders.>', 'orders.created.eu')).toBe(true);
    expect(topicMatches('orders.>', 'orders')).toBe(false);
  });
});
