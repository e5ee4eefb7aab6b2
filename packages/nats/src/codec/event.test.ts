import { createMessage } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from './event.js';

describe('event codec', () => {
  it('round-trips an event, taking the topic from the subject', () => {
    const message = createMessage({ content: { n: 1 }, metadata: { severity: 'high' } });
    const wire = encodeEvent({ topic: 'ignored.here', message, from: 'desk', traceId: 't-1' });
    expect(decodeEvent('incident.opened', wire, 1000)).toEqual({ topic: 'incident.opened', message, from: 'desk', traceId: 't-1' });
  });

  it('refuses wrong shapes and oversize messages', () => {
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
    expect(() => decodeEvent('t', enc([1]), 1000)).toThrow(/JSON object/);
    expect(() => decodeEvent('t', enc({ message: { id: 'm', role: 'robot', content: 1, metadata: {} } }), 1000)).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
    expect(() => decodeEvent('t', encodeEvent({ topic: 't', message: createMessage('x'.repeat(500)) }), 100)).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
  });
});
