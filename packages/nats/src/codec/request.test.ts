import { createMessage, type RequestEnvelope } from '@agentmesh/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Header } from './headers.js';
import { decodeRequest, encodeRequest } from './request.js';

const text = fc.string({ minLength: 1, maxLength: 40 });

const envelope = fc.record(
  {
    id: text,
    from: text,
    deadline: fc.integer({ min: 0, max: 2 ** 45 }),
    depth: fc.integer({ min: 1, max: 64 }),
    traceId: text,
    spanId: text,
    parentSpanId: text,
    principal: fc.record({ id: text }),
    content: fc.jsonValue(),
  },
  { requiredKeys: ['id', 'depth', 'traceId', 'spanId', 'content'] },
);

describe('request codec', () => {
  it('round-trips every envelope field through headers and body, whatever the characters', () => {
    fc.assert(
      fc.property(envelope, fc.boolean(), (e, progress) => {
        // "__proto__" keys are refused at ingress on purpose (prototype pollution); the next test covers that.
        fc.pre(!JSON.stringify(e.content).includes('"__proto__"'));
        const { content, ...rest } = e;
        const sent = { ...rest, to: 'billing', message: createMessage({ content: JSON.parse(JSON.stringify(content)) as never }) } as RequestEnvelope;
        const wire = encodeRequest(sent, progress);
        const decoded = decodeRequest('billing', wire.data, wire.headers, 1024 * 1024);
        expect(decoded.progress).toBe(progress);
        expect(decoded.envelope).toEqual({ from: undefined, deadline: undefined, parentSpanId: undefined, principal: undefined, ...sent });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses content carrying a "__proto__" key at ingress', () => {
    const content = JSON.parse('{"a":{"__proto__":{"polluted":true}}}') as never;
    const wire = encodeRequest({ id: 'r', to: 'x', message: createMessage({ content }), depth: 1, traceId: 't', spanId: 's' }, false);
    expect(() => decodeRequest('x', wire.data, wire.headers, 1000)).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE', message: expect.stringMatching(/__proto__/) }));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('puts readable call metadata in headers', () => {
    const wire = encodeRequest(
      { id: 'r-1', to: 'x', from: 'alice smith', message: createMessage('hi'), deadline: 123, depth: 2, traceId: 't-1', spanId: 'r-1', parentSpanId: 'p-1' },
      false,
    );
    expect(wire.headers.get(Header.id)).toBe('r-1');
    expect(wire.headers.get(Header.deadline)).toBe('123');
    expect(wire.headers.get(Header.trace)).toBe('t-1;r-1;p-1');
    expect(wire.headers.get(Header.from)).toBe('alice%20smith');
    expect(wire.headers.has(Header.progress)).toBe(false);
    expect(new TextDecoder().decode(wire.data)).toBe(JSON.stringify({ message: JSON.parse(new TextDecoder().decode(wire.data)).message, depth: 2 }));
  });

  it('refuses a request without headers, with a bad trace or deadline, or a non-object body', () => {
    const good = encodeRequest({ id: 'r', to: 'x', message: createMessage('hi'), depth: 1, traceId: 't', spanId: 's' }, false);
    expect(() => decodeRequest('x', good.data, undefined, 1000)).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
    const badTrace = encodeRequest({ id: 'r', to: 'x', message: createMessage('hi'), depth: 1, traceId: 't', spanId: 's' }, false);
    badTrace.headers.set(Header.trace, 'only');
    expect(() => decodeRequest('x', badTrace.data, badTrace.headers, 1000)).toThrow(/traceId;spanId/);
    const badDeadline = encodeRequest({ id: 'r', to: 'x', message: createMessage('hi'), depth: 1, traceId: 't', spanId: 's' }, false);
    badDeadline.headers.set(Header.deadline, 'tomorrow');
    expect(() => decodeRequest('x', badDeadline.data, badDeadline.headers, 1000)).toThrow(/epoch milliseconds/);
    expect(() => decodeRequest('x', new TextEncoder().encode('[1]'), good.headers, 1000)).toThrow(/JSON object/);
  });
});
