import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from './json.js';

describe('JSON codec', () => {
  it('round-trips JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(decodeJson(encodeJson(value, 'v'), Infinity, 'v')).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('never throws anything but INVALID_MESSAGE on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeJson(bytes, 100, 'body');
        } catch (error) {
          expect(error).toMatchObject({ code: 'INVALID_MESSAGE' });
        }
      }),
    );
  });

  it('refuses oversize, empty, malformed UTF-8 and non-serializable input', () => {
    expect(() => decodeJson(new Uint8Array(101).fill(0x20), 100, 'body')).toThrow(/over the 100-byte limit/);
    expect(() => decodeJson(new Uint8Array(0), 100, 'body')).toThrow(/empty/);
    expect(() => decodeJson(new Uint8Array([0x22, 0xc3, 0x28, 0x22]), 100, 'body')).toThrow(/UTF-8/);
    expect(() => encodeJson({ n: 1n }, 'thing')).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
    expect(() => encodeJson(() => 1, 'thing')).toThrow(/not JSON-serializable/);
  });
});
