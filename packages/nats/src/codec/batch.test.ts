import { MeshError } from '@agentmesh/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchWriter, batchHeadersFor, decodeBatch, MAX_BATCH_MEMBERS, memberOverhead } from './batch.js';
import { Header } from './headers.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (body: string | Uint8Array): string => (typeof body === 'string' ? body : new TextDecoder().decode(body));

interface Member {
  reply: string;
  headers: string;
  body: string;
}

function write(members: readonly Member[]): Uint8Array {
  const writer = new BatchWriter();
  for (const m of members) writer.add(m.reply, m.headers, m.body, Buffer.byteLength(m.body));
  expect(writer.count).toBe(members.length);
  return writer.finish();
}

const subject = fc.stringMatching(/^[A-Za-z0-9_]{1,8}(\.[A-Za-z0-9_-]{1,8}){0,3}$/);
const headerBlock = fc.constantFrom('', `NATS/1.0\r\n${Header.id}: r-1\r\n\r\n`, `NATS/1.0\r\n${Header.trace}: t;s\r\n${Header.coalesce}: 1\r\n\r\n`);
const member = fc.record({ reply: subject, headers: headerBlock, body: fc.string({ maxLength: 40, unit: 'binary' }) });

function invalid(run: () => unknown): MeshError {
  try {
    run();
  } catch (error) {
    expect(MeshError.is(error, 'INVALID_MESSAGE')).toBe(true);
    return error as MeshError;
  }
  throw new Error('expected INVALID_MESSAGE');
}

describe('batch framing', () => {
  it('round-trips members, whatever their bodies hold (ASCII or not, even CRLF and spaces)', () => {
    fc.assert(
      fc.property(fc.array(member, { minLength: 1, maxLength: 8 }), (members) => {
        const decoded = decodeBatch(write(members), String(members.length));
        expect(decoded.map((m) => ({ reply: m.reply, headers: m.headers, body: text(m.body) }))).toEqual(members);
        for (const [i, m] of decoded.entries()) expect(m.bodyBytes).toBe(Buffer.byteLength(members[i]!.body));
      }),
      { numRuns: 300 },
    );
  });

  it('hands out bodies as text when the batch is ASCII, as bytes otherwise', () => {
    const ascii = decodeBatch(write([{ reply: 'a.1', headers: '', body: '{"x":1}' }]), '1');
    expect(ascii[0]!.body).toBe('{"x":1}');
    const utf8 = decodeBatch(write([{ reply: 'a.1', headers: '', body: '{"x":"é"}' }, { reply: 'a.2', headers: '', body: '{}' }]), '2');
    expect(utf8[0]!.body).toBeInstanceOf(Uint8Array);
    expect(text(utf8[0]!.body)).toBe('{"x":"é"}');
    expect(utf8[1]!.bodyBytes).toBe(2);
  });

  it('keeps a body that is not UTF-8 apart, so only that member is refused later', () => {
    const good = bytes('a.1 0 2\r\n{}');
    const bad = Uint8Array.of(...bytes('a.2 0 2\r\n'), 0xff, 0xfe);
    const members = decodeBatch(Uint8Array.of(...good, ...bad), '2');
    expect(text(members[0]!.body)).toBe('{}');
    expect([...(members[1]!.body as Uint8Array)]).toEqual([0xff, 0xfe]);
  });

  it('refuses a header that is not a member count, or too large a count', () => {
    for (const count of ['', '0', '01', '-1', '1.5', 'x', ' 1', String(MAX_BATCH_MEMBERS + 1), '99999']) {
      invalid(() => decodeBatch(bytes('a.1 0 0\r\n'), count));
    }
  });

  it('refuses bodies that do not hold exactly the members the header announces', () => {
    const one = 'a.1 0 2\r\n{}';
    expect(invalid(() => decodeBatch(bytes(one), '2')).message).toMatch(/holds 1 members, its header says 2/);
    expect(invalid(() => decodeBatch(bytes(one + one), '1')).message).toMatch(/bytes after its 1 members/);
    expect(invalid(() => decodeBatch(bytes(`${one}x`), '1')).message).toMatch(/after/);
    invalid(() => decodeBatch(new Uint8Array(0), '1'));
  });

  it('refuses malformed member lines and lengths that overrun', () => {
    const cases = [
      'a.1 0 3\r\n{}', // overruns
      'a.1 3 2\r\n{}', // header longer than the member
      'a.1 0\r\n{}', // a field missing
      'a.1 0 2 9\r\n{}', // a field too many
      ' 0 2\r\n{}', // no reply subject
      'a.* 0 2\r\n{}', // a wildcard
      'a.> 0 2\r\n{}',
      'a.1 00 2\r\n{}', // a leading zero
      'a.1 -0 2\r\n{}',
      'a.1 0 2x\r\n{}',
      'a.1 0 99999999999\r\n{}', // 11 digits
      'a.1 0 2{}', // no line end
      `${'a'.repeat(5000)} 0 2\r\n{}`, // too long a line (NATS itself takes at most 4 KiB)
      'a.\u00e9 0 2\r\n{}', // not ASCII
    ];
    for (const body of cases) invalid(() => decodeBatch(bytes(body), '1'));
  });

  it('throws nothing but INVALID_MESSAGE on any input', () => {
    const line = fc.tuple(fc.string({ maxLength: 6 }), fc.nat({ max: 20 }), fc.nat({ max: 20 })).map(([r, h, t]) => `${r} ${h} ${t}\r\n`);
    const body = fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.array(fc.oneof(line, fc.string({ maxLength: 10 }))).map((parts) => bytes(parts.join(''))));
    fc.assert(
      fc.property(body, fc.oneof(fc.constantFrom('1', '2', '3'), fc.string({ maxLength: 4 })), (data, count) => {
        try {
          const members = decodeBatch(data, count);
          expect(members).toHaveLength(Number(count));
        } catch (error) {
          expect(MeshError.is(error, 'INVALID_MESSAGE')).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('bounds the bytes a member adds besides its header block and body, whatever its lengths', () => {
    const reply = '_INBOX.abcdefghijklmnopqrstuv.zz_zzzzzz';
    expect(`${reply} ${9_999_999_999} ${9_999_999_999}\r\n`.length).toBeLessThanOrEqual(memberOverhead(reply));
    const frame = write([{ reply, headers: 'NATS/1.0\r\n\r\n', body: 'x'.repeat(10) }]);
    expect(frame.byteLength).toBeLessThanOrEqual(memberOverhead(reply) + 12 + 10);
  });

  it('marks batches with a header block that says how many members they hold', () => {
    expect(batchHeadersFor(3).get(Header.batch)).toBe('3');
    expect(batchHeadersFor(3)).toBe(batchHeadersFor(3));
    expect(batchHeadersFor(MAX_BATCH_MEMBERS + 5).get(Header.batch)).toBe(String(MAX_BATCH_MEMBERS + 5));
  });
});
