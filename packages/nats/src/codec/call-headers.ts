import { MsgHdrsImpl, type Match, type Msg, type MsgHdrs } from '@nats-io/transport-node';
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
  /** Set on a message carrying several requests: their count (see codec/batch.ts). */
  batch: string;
  /** The caller's inbox when it reads batched replies. */
  coalesce: string;
}

/** The NATS header block's version line; a status (`NATS/1.0 503`) may follow it. */
const VERSION = 'NATS/1.0';

/**
 * Request headers whose wire form we write ourselves. nats.js rebuilds a header block from its map
 * on every publish (a string per header, then a UTF-8 encode: ≈ 1.5 µs here, the largest single
 * cost of a request), and only ever calls `encode()` on the headers it is given. Ours are written
 * in the same pass as the body; the `MsgHdrs` view is decoded from them only when somebody reads
 * it, and a change through it is what gets sent from then on.
 */
export class WireHeaders implements MsgHdrs {
  readonly #wire: Uint8Array;
  #view: MsgHdrsImpl | undefined;

  constructor(wire: Uint8Array) {
    this.#wire = wire;
  }

  /** The header block as it goes on the wire. */
  encode(): Uint8Array {
    return this.#view === undefined ? this.#wire : this.#view.encode();
  }

  get #h(): MsgHdrsImpl {
    return (this.#view ??= MsgHdrsImpl.decode(this.#wire));
  }

  get hasError(): boolean {
    return this.#h.hasError;
  }
  get status(): string {
    return this.#h.status;
  }
  get code(): number {
    return this.#h.code;
  }
  get description(): string {
    return this.#h.description;
  }
  get(k: string, match?: Match): string {
    return this.#h.get(k, match as 'exact' | undefined);
  }
  last(k: string, match?: Match): string {
    return this.#h.last(k, match as 'exact' | undefined);
  }
  has(k: string, match?: Match): boolean {
    return this.#h.has(k, match);
  }
  keys(): string[] {
    return this.#h.keys();
  }
  values(k: string, match?: Match): string[] {
    return this.#h.values(k, match);
  }
  set(k: string, v: string, match?: Match): void {
    this.#h.set(k, v, match);
  }
  append(k: string, v: string, match?: Match): void {
    this.#h.append(k, v, match);
  }
  delete(k: string, match?: Match): void {
    this.#h.delete(k, match);
  }
  [Symbol.iterator](): Iterator<[string, string[]]> {
    return this.#h[Symbol.iterator]();
  }
}

/** Appends a `key: value` line to a header block begun with {@link HEADER_BLOCK_START}; `value` must be header-safe. */
export function headerLine(block: string, key: string, value: string): string {
  return `${block}${key}: ${value}\r\n`;
}

/** The start of a header block (the version line); end it with {@link HEADER_BLOCK_END}. */
export const HEADER_BLOCK_START = `${VERSION}\r\n`;
/** The blank line that ends a header block. */
export const HEADER_BLOCK_END = '\r\n';

/** One pass over decoded headers (`MsgHdrs.get` scans every key on each call). */
export function readCallHeaders(h: MsgHdrs): CallHeaderValues {
  const call: CallHeaderValues = { id: '', trace: '', deadline: '', from: '', progress: '', batch: '', coalesce: '' };
  for (const [key, values] of h) take(call, key, values[0] ?? '', 0);
  return call;
}

/**
 * Reads the call headers straight from the header block's bytes, as `MsgHdrsImpl.decode` does
 * (UTF-8, `Key: value` lines, values trimmed, lines without a colon ignored, the first value of a
 * repeated key wins) but without building its map, arrays and strings for headers nobody reads.
 * One difference: a line whose key nats.js refuses (a space, a non-ASCII character) makes its
 * decode throw; here the line is only not a call header. Linear in the block's length, whatever
 * its lines look like.
 */
export function parseCallHeaders(block: Uint8Array): CallHeaderValues {
  return parseCallHeaderText(Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString('utf8'));
}

/** {@link parseCallHeaders} of a header block already decoded to text. */
export function parseCallHeaderText(text: string): CallHeaderValues {
  const call: CallHeaderValues = { id: '', trace: '', deadline: '', from: '', progress: '', batch: '', coalesce: '' };
  let seen = 0;
  let start = text.indexOf('\r\n');
  if (start < 0) return call;
  start += 2;
  // The first colon at or after `start` (-1: none left). Searched again only once a line passed
  // it, so lines without a colon never make the search rescan the rest of the block.
  let colon = text.indexOf(':', start);
  while (start < text.length) {
    let end = text.indexOf('\r\n', start);
    if (end < 0) end = text.length;
    if (colon !== -1 && colon < start) colon = text.indexOf(':', start);
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
  const bit =
    key === Header.id ? 1 : key === Header.trace ? 2 : key === Header.deadline ? 4 : key === Header.from ? 8 : key === Header.progress ? 16 : key === Header.batch ? 32 : key === Header.coalesce ? 64 : 0;
  if (bit === 0 || (seen & bit) !== 0) return seen;
  if (bit === 1) call.id = value;
  else if (bit === 2) call.trace = value;
  else if (bit === 4) call.deadline = value;
  else if (bit === 8) call.from = value;
  else if (bit === 16) call.progress = value;
  else if (bit === 32) call.batch = value;
  else call.coalesce = value;
  return seen | bit;
}
