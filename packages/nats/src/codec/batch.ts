import type { MsgHdrs } from '@nats-io/transport-node';
import { invalidMessage } from '../errors.js';
import { HEADER_BLOCK_END, HEADER_BLOCK_START, headerLine, parseCallHeaderText, WireHeaders, type CallHeaderValues } from './call-headers.js';
import { Header } from './headers.js';

/**
 * The batch framing: several requests (or final replies) in one NATS message, marked by the
 * {@link Header.batch} header. Each member is what a NATS message of its own would carry, framed
 * the way NATS frames an HMSG: `<reply subject> <header bytes> <total bytes>\r\n`, then its header
 * block (`NATS/1.0\r\n...\r\n\r\n`, or nothing) and its body.
 */
export interface BatchMember {
  readonly reply: string;
  /** The member's header block as text ('' when it has none). */
  readonly headers: string;
  /** The body: text when the whole batch was ASCII, else its bytes (decoded, and checked, alone). */
  readonly body: string | Uint8Array;
  /** The body's size in bytes. */
  readonly bodyBytes: number;
}

/** Most members a batch may hold at ingress. */
export const MAX_BATCH_MEMBERS = 1024;
/**
 * Longest member line accepted at ingress: any reply subject NATS itself carries fits (its
 * protocol lines are at most `max_control_line`, 4 KiB by default).
 */
const MAX_LINE = 4096 + 32;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes a member adds to a batch besides its header block and body. */
export function memberOverhead(reply: string): number {
  return reply.length + 24;
}

/** Builds a batch body from members given as text; one UTF-8 encode at the end. */
export class BatchWriter {
  #text = '';
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** `headers` must be ASCII (header blocks are); `bodyBytes` is the body's UTF-8 size. */
  add(reply: string, headers: string, body: string, bodyBytes: number): void {
    this.#text += `${reply} ${headers.length} ${headers.length + bodyBytes}\r\n${headers}${body}`;
    this.#count++;
  }

  finish(): Uint8Array {
    return Buffer.from(this.#text, 'utf8');
  }
}

/**
 * Splits an untrusted batch body into its members. `count` is the value of the batch header; the
 * body must hold exactly that many well-formed members and nothing else. Throws INVALID_MESSAGE
 * otherwise, before any member is returned.
 */
export function decodeBatch(data: Uint8Array, count: string): BatchMember[] {
  const expected = readCount(count);
  let text: string | undefined;
  try {
    text = UTF8.decode(data);
  } catch {
    text = undefined; // a member's body is not UTF-8: read member by member, so only it is refused
  }
  // All ASCII (the common case): byte offsets are character offsets, members are slices of one string.
  if (text !== undefined && text.length === data.byteLength) return split(text, expected, text);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return split(bytes.toString('latin1'), expected, bytes);
}

function readCount(count: string): number {
  const n = digits(count, 0, count.length);
  if (n < 1 || count.length > 4) throw invalidMessage(`header ${Header.batch} must be a member count, got ${JSON.stringify(count)}`);
  if (n > MAX_BATCH_MEMBERS) throw invalidMessage(`a batch holds at most ${MAX_BATCH_MEMBERS} members, this one says ${n}`);
  return n;
}

/**
 * Splits `frame` (the batch as text, one character per byte) into members. `source` is the same
 * text when the batch is ASCII, else its bytes, from which header blocks are read as UTF-8 (as
 * nats.js reads them) and bodies are cut.
 */
function split(frame: string, expected: number, source: string | Buffer): BatchMember[] {
  const members: BatchMember[] = [];
  let at = 0;
  while (at < frame.length) {
    const n = members.length + 1;
    if (n > expected) throw invalidMessage(`batch has bytes after its ${expected} members`);
    const eol = frame.indexOf('\r\n', at);
    if (eol < 0 || eol - at > MAX_LINE) throw invalidMessage(`batch member ${n} has no valid member line`);
    const s1 = frame.indexOf(' ', at);
    const s2 = s1 < 0 ? -1 : frame.indexOf(' ', s1 + 1);
    if (s1 <= at || s2 < 0 || s2 >= eol || !isReplySubject(frame, at, s1)) throw invalidMessage(`batch member ${n} has a malformed member line`);
    const h = digits(frame, s1 + 1, s2);
    const t = digits(frame, s2 + 1, eol);
    const start = eol + 2;
    if (h < 0 || t < 0 || h > t || start + t > frame.length) throw invalidMessage(`batch member ${n} has malformed or overrunning lengths`);
    const bodyStart = start + h;
    const end = start + t;
    const ascii = typeof source === 'string';
    const headers = ascii ? frame.slice(start, bodyStart) : source.toString('utf8', start, bodyStart);
    const body = ascii ? source.slice(bodyStart, end) : source.subarray(bodyStart, end);
    members.push({ reply: frame.slice(at, s1), headers, body, bodyBytes: t - h });
    at = end;
  }
  if (members.length !== expected) throw invalidMessage(`batch holds ${members.length} members, its header says ${expected}`);
  return members;
}

/** A decimal number of at most 10 digits without a leading zero, read from text[from, to); -1 when it is not one. */
function digits(text: string, from: number, to: number): number {
  if (to <= from || to - from > 10 || (text.charCodeAt(from) === 48 && to - from > 1)) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Printable ASCII without spaces or the NATS wildcards `*` and `>`. */
function isReplySubject(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x2a || c === 0x3e) return false;
  }
  return true;
}

/**
 * Checks a batch of requests as a whole and reads each member's call headers. Every member must
 * have call headers (and not be a batch itself), and reply to `inbox`, the inbox the batch itself
 * replies to (`<inbox>.<token>`). So a batch can only make the server answer the sender's own
 * inbox, as a lone request can; and where NATS rewrote the batch's reply subject (a service
 * import), nothing in it is answered to subjects NATS did not map. Throws INVALID_MESSAGE: the
 * batch is then refused as a whole.
 */
export function requestBatchCalls(members: readonly BatchMember[], inbox: string): CallHeaderValues[] {
  return members.map((m, i) => {
    if (inboxOf(m.reply, inbox) === undefined) throw invalidMessage(`batch member ${i + 1} does not reply to the batch's inbox`);
    if (m.headers === '') throw invalidMessage(`batch member ${i + 1} has no call headers`);
    const call = parseCallHeaderText(m.headers);
    if (call.batch !== '') throw invalidMessage(`batch member ${i + 1} is a batch itself`);
    return call;
  });
}

/** `inbox` when `subject` is `<inbox>.<token>` (one token, no further dots), else undefined. */
export function inboxOf(subject: string, inbox: string): string | undefined {
  const n = inbox.length;
  if (n === 0 || subject.length <= n + 1 || subject.charCodeAt(n) !== 46 || !subject.startsWith(inbox)) return undefined;
  return subject.indexOf('.', n + 1) === -1 ? inbox : undefined;
}

const batchHeaders: MsgHdrs[] = [];

/** The header block of a batch of `count` members (shared: nats.js only encodes headers it is given). */
export function batchHeadersFor(count: number): MsgHdrs {
  let h = batchHeaders[count];
  if (h === undefined) {
    h = new WireHeaders(Buffer.from(headerLine(HEADER_BLOCK_START, Header.batch, String(count)) + HEADER_BLOCK_END, 'latin1'));
    if (count <= MAX_BATCH_MEMBERS) batchHeaders[count] = h;
  }
  return h;
}
