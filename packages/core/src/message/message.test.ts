import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { checkJson } from './json.js';
import { createMessage, isMessage } from './message.js';
import { MessageSchema } from './schema.js';
import { assertValidMessage } from './validate.js';

describe('createMessage', () => {
  it('turns text into a user message with a fresh id and empty metadata', () => {
    const a = createMessage('hello');
    const b = createMessage('hello');
    expect(a).toMatchObject({ role: 'user', content: 'hello', metadata: {} });
    expect(a.id).not.toBe(b.id);
  });

  it('keeps structured content and metadata as given', () => {
    const content = { rows: [{ id: 1 }] };
    const m = createMessage({ role: 'assistant', content, metadata: { type: 'report' }, name: 'analyst' });
    expect(m.content).toBe(content);
    expect(m).toMatchObject({ role: 'assistant', name: 'analyst', metadata: { type: 'report' } });
    expect(isMessage(m)).toBe(true);
  });
});

describe('message validation', () => {
  const json = fc.jsonValue({ maxDepth: 4 });

  it('accepts every JSON value as content and agrees with MessageSchema', () => {
    fc.assert(
      fc.property(json, fc.dictionary(fc.string(), json, { maxKeys: 4 }), (content, metadata) => {
        // "__proto__" keys are rejected on purpose (prototype pollution); they have their own test.
        fc.pre(!JSON.stringify([content, metadata]).includes('"__proto__"'));
        const message = { id: 'm', role: 'user', content, metadata };
        expect(() => assertValidMessage(message, Number.MAX_SAFE_INTEGER)).not.toThrow();
        expect(MessageSchema.safeParse(message).success).toBe(true);
      }),
    );
  });

  it('names the offending path and reason', () => {
    const problem = checkJson({ a: [1, { b: () => 1 }] }, 'content', 1e6);
    expect(problem).toEqual({ path: 'content.a[1].b', reason: 'function is not JSON' });
    const cyclic: Record<string, unknown> = {};
    cyclic['me'] = cyclic;
    expect(checkJson({ x: cyclic }, 'content', 1e6)).toEqual({ path: 'content.x.me', reason: 'circular reference' });
  });

  it('measures size in UTF-8 bytes near the limit', () => {
    expect(typeof checkJson('é'.repeat(100), 'c', 250)).toBe('number');
    expect(checkJson('é'.repeat(200), 'c', 250)).toMatchObject({ reason: expect.stringContaining('250-byte') });
  });

  it('rejects non-JSON values with INVALID_MESSAGE, as MessageSchema does', () => {
    const bad = [{ n: 1n }, { f: () => 1 }, { d: new Date() }, { x: Number.POSITIVE_INFINITY }, [undefined]];
    for (const content of bad) {
      const message = { id: 'm', role: 'user', content, metadata: {} };
      let error: unknown;
      try {
        assertValidMessage(message, 1e6);
      } catch (e) {
        error = e;
      }
      expect(MeshError.is(error, 'INVALID_MESSAGE')).toBe(true);
      expect(MessageSchema.safeParse(message).success).toBe(false);
    }
  });

  it('rejects a bad shape', () => {
    expect(() => assertValidMessage(null, 1e6)).toThrow(/must be an object/);
    expect(() => assertValidMessage({ id: '', role: 'user', content: 'x', metadata: {} }, 1e6)).toThrow(/id/);
    expect(() => assertValidMessage({ id: 'a', role: 'user', content: 'x', metadata: [] }, 1e6)).toThrow(/metadata/);
    expect(() => assertValidMessage({ id: 'a', role: 'user', metadata: {} }, 1e6)).toThrow(/content/);
  });
});

describe('exact size near the limit', () => {
  it('holds exactly at the UTF-8 length of JSON.stringify, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary' }), (value, text) => {
        for (const v of [value, text, { text, value }]) {
          const real = Buffer.byteLength(JSON.stringify(v), 'utf8');
          fc.pre(!JSON.stringify(v).includes('"__proto__"'));
          // At the exact limit it passes; one byte less fails.
          expect(typeof checkJson(v, 'c', real)).toBe('number');
          expect(typeof checkJson(v, 'c', real - 1)).toBe('object');
        }
      }),
    );
  });
});

describe('nextId', () => {
  it('never repeats across many ids and counter rollovers', async () => {
    const { nextId } = await import('./ids.js');
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) seen.add(nextId());
    expect(seen.size).toBe(5_000);
  });
});
