import { MsgHdrsImpl, type Msg, type MsgHdrs } from '@nats-io/transport-node';
import { Header } from './headers.js';

/**
 * The call metadata of a request as raw header values (still percent-encoded), '' when absent.
 * The first value of a repeated header wins, as with `MsgHdrs.get`.
 */
export interface CallHeaderValues {
  id: string;
  trace: string;
  deadline: string;
  from: string;
  progress: string;
}

/** The NATS header block's version line; a status (`NATS/1.0 503`) may follow it. */
const VERSION = 'NATS/1.0';

/**
 * Request headers whose wire form we write ourselves. nats.js rebuilds the header block from its
 * map on every publish (a string per header, then a UTF-8 encode: ≈ 1.5 µs here, the largest
 * single cost of a request); ours is built in the same pass as the body. The map is filled too,
 * so the object reads like any other `MsgHdrs`, and a change through the `MsgHdrs` methods drops
 * the prebuilt bytes so that what is sent always matches what is read.
 */
export class WireHeaders extends MsgHdrsImpl {
  #wire: Uint8Array | undefined;

  constructor(values: ReadonlyArray<readonly [string, string]>, wire: Uint8Array) {
    super();
    for (const [key, value] of values) this.headers.set(key, [value]);
    this.#wire = wire;
  }

  override encode(): Uint8Array {
    return (this.#wire ??= super.encode());
  }

  override set(k: string, v: string, match?: Parameters<MsgHdrs['set']>[2]): void {
    this.#wire = undefined;
    super.set(k, v, match);
  }

  override append(k: string, v: string, match?: Parameters<MsgHdrs['append']>[2]): void {
    this.#wire = undefined;
    super.append(k, v, match);
  }

  override delete(k: string, match?: Parameters<MsgHdrs['delete']>[1]): void {
    this.#wire = undefined;
    super.delete(k, match);
  }
}

/** The header block for `values`, which must already be header-safe (see `headerValue`). */
export function headerBlock(values: ReadonlyArray<readonly [string, string]>): string {
  let block = VERSION;
  for (const [key, value] of values) block += `\r\n${key}: ${value}`;
  return `${block}\r\n\r\n`;
}

/** One pass over decoded headers (`MsgHdrs.get` scans every key on each call). */
export function readCallHeaders(h: MsgHdrs): CallHeaderValues {
  const call: CallHeaderValues = { id: '', trace: '', deadline: '', from: '', progress: '' };
  for (const [key, values] of h) take(call, key, values[0] ?? '', 0);
  return call;
}

/**
 * Reads the call headers straight from the header block's bytes, as `MsgHdrsImpl.decode` would
 * (UTF-8, `Key: value` lines, values trimmed, lines without a colon ignored, the first value of a
 * repeated key wins) but without building its map, arrays and strings for headers nobody reads.
 */
export function parseCallHeaders(block: Uint8Array): CallHeaderValues {
  const text = Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString('utf8');
  const call: CallHeaderValues = { id: '', trace: '', deadline: '', from: '', progress: '' };
  let seen = 0;
  let start = text.indexOf('\r\n');
  if (start < 0) return call;
  for (start += 2; start < text.length; ) {
    let end = text.indexOf('\r\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < end) seen = take(call, text.slice(start, colon), text.slice(colon + 1, end).trim(), seen);
    start = end + 2;
  }
  return call;
}

interface RawMsg {
  readonly _rdata?: unknown;
  readonly _msg?: { readonly hdr?: unknown };
}

/**
 * The call headers of a received request, or undefined when it has none. Reads the raw header
 * block that nats.js keeps on the message when it is where nats.js 3.x keeps it, and otherwise
 * falls back to the public (slower) `msg.headers`.
 */
export function callHeadersOf(msg: Msg): CallHeaderValues | undefined {
  const raw = msg as unknown as RawMsg;
  const data = raw._rdata;
  const hdr = raw._msg?.hdr;
  if (data instanceof Uint8Array && typeof hdr === 'number' && hdr <= data.byteLength) {
    return hdr < 0 ? undefined : parseCallHeaders(data.subarray(0, hdr));
  }
  const h = msg.headers;
  return h === undefined ? undefined : readCallHeaders(h);
}

/** Records `value` for a call header not in `seen` yet; returns the headers seen so far. */
function take(call: CallHeaderValues, key: string, value: string, seen: number): number {
  const bit = key === Header.id ? 1 : key === Header.trace ? 2 : key === Header.deadline ? 4 : key === Header.from ? 8 : key === Header.progress ? 16 : 0;
  if (bit === 0 || (seen & bit) !== 0) return seen;
  if (bit === 1) call.id = value;
  else if (bit === 2) call.trace = value;
  else if (bit === 4) call.deadline = value;
  else if (bit === 8) call.from = value;
  else call.progress = value;
  return seen | bit;
}
