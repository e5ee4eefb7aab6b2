import { parseRequestEnvelope, type RequestEnvelope } from '@agentmesh/core';
import type { MsgHdrs } from '@nats-io/transport-node';
import { invalidMessage } from '../errors.js';
import { HEADER_BLOCK_END, HEADER_BLOCK_START, headerLine, readCallHeaders, WireHeaders, type CallHeaderValues } from './call-headers.js';
import { Header, headerValue, readHeaderValue } from './headers.js';
import { decodeJson, ENVELOPE_SLACK_BYTES, stringifyJson } from './json.js';

/**
 * A request as it goes on the wire: call metadata in a header block, the rest in a JSON body.
 * Kept as text until sent: alone, it becomes one buffer holding both (`data`, `headers`); in a
 * batch, its text joins the batch's.
 */
export class WireRequest {
  #data: Uint8Array | undefined;
  #headers: WireHeaders | undefined;
  #bodyBytes = -1;

  /** `block` is the ASCII header block, `json` the body. */
  constructor(
    readonly block: string,
    readonly json: string,
  ) {}

  get data(): Uint8Array {
    if (this.#data === undefined) this.#encode();
    return this.#data!;
  }

  get headers(): WireHeaders {
    if (this.#headers === undefined) this.#encode();
    return this.#headers!;
  }

  /** The body's size in UTF-8 bytes. */
  get bodyBytes(): number {
    if (this.#bodyBytes < 0) this.#bodyBytes = this.#data === undefined ? Buffer.byteLength(this.json, 'utf8') : this.#data.byteLength;
    return this.#bodyBytes;
  }

  // One UTF-8 encode for the header block and the body together; the block is ASCII, so its
  // length in bytes is its length in characters.
  #encode(): void {
    const bytes = Buffer.from(this.block + this.json, 'utf8');
    this.#data = bytes.subarray(this.block.length);
    this.#headers = new WireHeaders(bytes.subarray(0, this.block.length));
  }
}

/** The body: what is not in the headers. The target comes from the subject. */
interface RequestBody {
  readonly message: RequestEnvelope['message'];
  readonly depth: number;
  readonly principal?: RequestEnvelope['principal'];
}

/**
 * Encodes a request envelope; `progress` tells the server the caller listens for progress frames,
 * `inbox` (when given) that it reads batched replies to reply subjects under that inbox.
 */
export function encodeRequest(envelope: RequestEnvelope, progress: boolean, inbox?: string): WireRequest {
  // Every value is made header-safe (printable ASCII) here, so the block needs no further checks.
  const trace = `${headerValue(envelope.traceId)};${headerValue(envelope.spanId)}`;
  let block = headerLine(HEADER_BLOCK_START, Header.id, headerValue(envelope.id));
  block = headerLine(block, Header.trace, envelope.parentSpanId === undefined ? trace : `${trace};${headerValue(envelope.parentSpanId)}`);
  if (envelope.deadline !== undefined) block = headerLine(block, Header.deadline, String(envelope.deadline));
  if (envelope.from !== undefined) block = headerLine(block, Header.from, headerValue(envelope.from));
  if (progress) block = headerLine(block, Header.progress, '1');
  if (inbox !== undefined) block = headerLine(block, Header.coalesce, inbox);
  block += HEADER_BLOCK_END;
  const body: RequestBody =
    envelope.principal === undefined
      ? { message: envelope.message, depth: envelope.depth }
      : { message: envelope.message, depth: envelope.depth, principal: envelope.principal };
  return new WireRequest(block, stringifyJson(body, 'request'));
}

/** A decoded, validated request. */
export interface DecodedRequest {
  readonly envelope: RequestEnvelope;
  readonly progress: boolean;
  /** The caller's inbox, when it reads batched replies ('' otherwise). */
  readonly coalesce: string;
}

/**
 * Decodes and validates a request that arrived for agent `to` (its body as bytes, or as text of
 * `size` bytes). Throws INVALID_MESSAGE for missing or malformed headers, bad bytes, a wrong shape
 * or an oversize message: nothing unchecked reaches the handler.
 */
export function decodeRequest(to: string, data: Uint8Array | string, h: CallHeaderValues | MsgHdrs | undefined, maxBytes: number, size?: number): DecodedRequest {
  if (h === undefined) throw invalidMessage('request has no agentmesh headers');
  const body = decodeJson(data, maxBytes + ENVELOPE_SLACK_BYTES, 'request body', size);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidMessage('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const call = isMsgHdrs(h) ? readCallHeaders(h) : h;
  const trace = call.trace.split(';');
  if (trace.length < 2 || trace.length > 3) throw invalidMessage(`header ${Header.trace} must be "traceId;spanId[;parentSpanId]"`);
  const deadline = call.deadline === '' ? undefined : Number(call.deadline);
  if (deadline !== undefined && !Number.isFinite(deadline)) throw invalidMessage(`header ${Header.deadline} must be epoch milliseconds`);
  const envelope = parseRequestEnvelope(
    {
      id: readHeaderValue(call.id, Header.id),
      to,
      from: call.from === '' ? undefined : readHeaderValue(call.from, Header.from),
      message: b['message'],
      deadline,
      depth: b['depth'],
      traceId: readHeaderValue(trace[0]!, Header.trace),
      spanId: readHeaderValue(trace[1]!, Header.trace),
      parentSpanId: trace[2] === undefined ? undefined : readHeaderValue(trace[2], Header.trace),
      principal: b['principal'],
    },
    maxBytes,
  );
  return { envelope, progress: call.progress === '1', coalesce: call.coalesce };
}

function isMsgHdrs(h: CallHeaderValues | MsgHdrs): h is MsgHdrs {
  return typeof (h as Partial<MsgHdrs>).get === 'function';
}

/** The request id from a request's headers, for refusing it; "unknown" when unreadable. */
export function requestIdOf(call: CallHeaderValues | undefined): string {
  try {
    const id = call === undefined ? '' : readHeaderValue(call.id, Header.id);
    return id === '' ? 'unknown' : id;
  } catch {
    return 'unknown';
  }
}
