import { MsgHdrsImpl, type Msg } from '@nats-io/transport-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callHeadersOf, HEADER_BLOCK_END, HEADER_BLOCK_START, headerLine, parseCallHeaders, readCallHeaders, WireHeaders } from './call-headers.js';
import { Header } from './headers.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const callKey = fc.oneof(
  fc.constantFrom(Header.id, Header.trace, Header.deadline, Header.from, Header.progress, 'Other', 'am-id'),
  fc.string({ maxLength: 6, unit: fc.constantFrom('A', 'm', '-', ' ', 'é', ':', '\t') }),
);
// Values as any sender may write them: nats.js trims them and drops lines without a colon.
const value = fc.string({ maxLength: 12, unit: fc.oneof(fc.constantFrom(' ', ':', ';', '%', 'é', '✓'), fc.string({ minLength: 1, maxLength: 1 })) }).filter((v) => !/[\r\n]/.test(v));

describe('call headers', () => {
  it('read from raw bytes exactly what nats.js decodes, repeated and foreign keys included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(callKey, value), { maxLength: 8 }), fc.constantFrom('', ' 503', ' 408 Timeout'), (lines, status) => {
        const block = `NATS/1.0${status}\r\n${lines.map(([k, v]) => `${k}:${v}`).join('\r\n')}\r\n\r\n`;
        let decoded: MsgHdrsImpl;
        try {
          decoded = MsgHdrsImpl.decode(bytes(block));
        } catch {
          // nats.js refuses keys with spaces or non-ASCII characters; those lines are never call headers.
          return;
        }
        expect(parseCallHeaders(bytes(block))).toEqual(readCallHeaders(decoded));
      }),
    );
  });

  it('read the call headers of blocks nats.js refuses, where it throws', () => {
    const block = bytes(`NATS/1.0\r\nBad Key: x\r\n${Header.id}: r-1\r\n é: y\r\n\r\n`);
    expect(() => MsgHdrsImpl.decode(block)).toThrow();
    expect(parseCallHeaders(block)).toMatchObject({ id: 'r-1' });
  });

  it('read a huge block of colon-less lines in linear time', () => {
    const lines = 'x'.repeat(8) + '\r\n';
    const block = bytes(`NATS/1.0\r\n${lines.repeat(100_000)}${Header.id}: r-2\r\n\r\n`);
    const started = performance.now();
    expect(parseCallHeaders(block).id).toBe('r-2');
    // Quadratic scanning took seconds here; linear takes a few milliseconds.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('ignore lines without a colon, and a block without lines', () => {
    expect(parseCallHeaders(bytes(`NATS/1.0\r\nnonsense\r\n${Header.id}: r-1\r\n\r\n`))).toMatchObject({ id: 'r-1', trace: '' });
    expect(parseCallHeaders(bytes('NATS/1.0'))).toEqual({ id: '', trace: '', deadline: '', from: '', progress: '', batch: '', coalesce: '' });
  });

  it('are written as nats.js would write them, and rewritten after a change through MsgHdrs', () => {
    const block = headerLine(headerLine(HEADER_BLOCK_START, Header.id, 'r-1'), Header.trace, 't;s') + HEADER_BLOCK_END;
    const h = new WireHeaders(bytes(block));
    expect(h.encode()).toEqual((MsgHdrsImpl.fromRecord({ [Header.id]: ['r-1'], [Header.trace]: ['t;s'] }) as MsgHdrsImpl).encode());
    expect(h.encode()).toEqual(bytes(block));
    expect(h.get(Header.id)).toBe('r-1');
    expect([...h]).toEqual([
      [Header.id, ['r-1']],
      [Header.trace, ['t;s']],
    ]);
    expect(h.keys()).toEqual([Header.id, Header.trace]);
    expect([h.has(Header.id), h.values(Header.trace), h.last(Header.id), h.code, h.hasError]).toEqual([true, ['t;s'], 'r-1', 0, false]);
    h.set(Header.trace, 'only');
    expect(parseCallHeaders(h.encode()).trace).toBe('only');
    h.append('X-More', '1');
    expect(new TextDecoder().decode(h.encode())).toContain('X-More: 1');
    h.delete(Header.id);
    expect(parseCallHeaders(h.encode()).id).toBe('');
  });

  it('come from the raw block of a received message, or from msg.headers when it is not there', () => {
    const block = headerLine(HEADER_BLOCK_START, Header.id, 'r-9') + HEADER_BLOCK_END;
    const raw = bytes(`${block}{}`);
    let decodedByNats = 0;
    const viaRaw = {
      _rdata: raw,
      _msg: { hdr: block.length },
      get headers() {
        decodedByNats++;
        return MsgHdrsImpl.decode(raw.subarray(0, block.length));
      },
    } as unknown as Msg;
    expect(callHeadersOf(viaRaw)?.id).toBe('r-9');
    expect(decodedByNats).toBe(0);
    expect(callHeadersOf({ _rdata: raw, _msg: { hdr: -1 } } as unknown as Msg)).toBeUndefined();
    const publicOnly = { headers: MsgHdrsImpl.fromRecord({ [Header.id]: ['r-7'] }) } as unknown as Msg;
    expect(callHeadersOf(publicOnly)?.id).toBe('r-7');
    expect(callHeadersOf({ headers: undefined } as unknown as Msg)).toBeUndefined();
  });
});
