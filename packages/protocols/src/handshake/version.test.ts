import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertVersions, isProtocolVersion, negotiateVersion } from './version.js';

const version = fc.tuple(fc.nat(5), fc.nat(9)).map(([major, minor]) => `${major}.${minor}`);
const versions = fc.array(version, { minLength: 1, maxLength: 6 });

function parse(v: string): [number, number] {
  const [major, minor] = v.split('.').map(Number);
  return [major!, minor!];
}

describe('negotiateVersion', () => {
  it('picks the highest common major at the lower of the two highest minors', () => {
    expect(negotiateVersion(['1.3', '2.1'], ['1.1', '2.0'])).toBe('2.0');
    expect(negotiateVersion(['1.3'], ['1.1'])).toBe('1.1');
    expect(negotiateVersion(['1.0', '1.2'], ['1.5'])).toBe('1.2');
    expect(negotiateVersion(['3.0', '1.4'], ['1.9', '2.0'])).toBe('1.4');
  });

  it('finds nothing when no major is shared (an incompatible major)', () => {
    expect(negotiateVersion(['2.0'], ['1.0', '1.9'])).toBeUndefined();
  });

  it('rejects strings that are not major.minor with INVALID_ARGUMENT', () => {
    for (const bad of ['1', '1.0.0', 'v1.0', '01.0', '1.x', '']) {
      expect(() => negotiateVersion([bad], ['1.0'])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(isProtocolVersion('10.20')).toBe(true);
    expect(isProtocolVersion('1.02')).toBe(false);
  });

  it('is symmetric, and the result is spoken by both sides at the highest possible major', () => {
    fc.assert(
      fc.property(versions, versions, (a, b) => {
        const agreed = negotiateVersion(a, b);
        expect(negotiateVersion(b, a)).toBe(agreed);
        const majorsA = new Set(a.map((v) => parse(v)[0]));
        const common = b.map((v) => parse(v)[0]).filter((m) => majorsA.has(m));
        if (common.length === 0) {
          expect(agreed).toBeUndefined();
          return;
        }
        const [major, minor] = parse(agreed!);
        expect(major).toBe(Math.max(...common));
        const top = (list: string[]) => Math.max(...list.map(parse).filter(([m]) => m === major).map(([, n]) => n));
        expect(minor).toBe(Math.min(top(a), top(b)));
      }),
    );
  });
});

describe('assertVersions', () => {
  it('refuses an empty list and drops duplicates', () => {
    expect(() => assertVersions([], 'versions')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(assertVersions(['1.0', '1.0', '2.1'], 'versions')).toEqual(['1.0', '2.1']);
  });
});
