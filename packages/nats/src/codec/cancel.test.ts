import { MeshError } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { decodeCancel, encodeCancel } from './cancel.js';

describe('cancellation notices', () => {
  it('carry the reply subject and rebuild the reason with its code', () => {
    const notice = decodeCancel(encodeCancel('_INBOX.abc.7', new MeshError('CANCELLED', 'user pressed stop')));
    expect(notice.reply).toBe('_INBOX.abc.7');
    expect(MeshError.is(notice.reason, 'CANCELLED')).toBe(true);
    expect(notice.reason.message).toBe('user pressed stop');
  });

  it('refuse malformed notices', () => {
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
    expect(() => decodeCancel(enc({ reply: '', error: { code: 'CANCELLED', message: 'x' } }))).toThrow(/reply/);
    expect(() => decodeCancel(enc({ reply: 'r', error: 'nope' }))).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
    expect(() => decodeCancel(enc(null))).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
  });
});
