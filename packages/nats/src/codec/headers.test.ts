import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerValue, readHeaderValue } from './headers.js';

describe('header values', () => {
  it('survive any string, and stay readable when they are plain', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30, unit: fc.oneof(fc.constantFrom('%', ';', ' ', '\r', '\n', '\t', 'é', '✓', '😀', '%41'), fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' })) }), (value) => {
        const encoded = headerValue(value);
        expect(encoded).not.toMatch(/[\r\n;\s]/);
        expect(readHeaderValue(encoded, 'h')).toBe(value);
      }),
    );
    expect(headerValue('agent-7:a_b')).toBe('agent-7:a_b');
  });

  it('refuse lone surrogates, and malformed percent-encoding, as INVALID_MESSAGE', () => {
    expect(() => headerValue('agent\uD800')).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
    expect(() => readHeaderValue('%E0%A4%A', 'Am-Id')).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
  });
});
