import { parseRequestEnvelope, type RequestEnvelope } from '@agentmesh/core';
import { MsgHdrsImpl, type MsgHdrs } from '@nats-io/transport-node';
import { invalidMessage } from '../errors.js';
import { Header, headerValue, readHeaderValue } from './headers.js';
import { decodeJson, encodeJson, ENVELOPE_SLACK_BYTES } from './json.js';

/** A request as it goes on the wire: call metadata in headers, the rest in a JSON body. */
export interface WireRequest {
  readonly data: Uint8Array;
  readonly headers: MsgHdrs;
}

/** The body: what is not in the headers. The target comes from the subject. */
interface RequestBody {
  readonly message: RequestEnvelope['message'];
  readonly depth: number;
  readonly principal?: RequestEnvelope['principal'];
}

/** Encodes a request envelope; `progress` tells the server the caller listens for progress frames. */
export function encodeRequest(envelope: RequestEnvelope, progress: boolean): WireRequest {
  // Built from a record: every value is already header-safe (see headerValue), so the per-key
  // lookups and checks of MsgHdrs.set are not needed on this hot path.
  const trace = `${headerValue(envelope.traceId)};${headerValue(envelope.spanId)}`;
  const record: Record<string, string[]> = {
    [Header.id]: [headerValue(envelope.id)],
    [Header.trace]: [envelope.parentSpanId === undefined ? trace : `${trace};${headerValue(envelope.parentSpanId)}`],
  };
  if (envelope.deadline !== undefined) record[Header.deadline] = [String(envelope.deadline)];
  if (envelope.from !== undefined) record[Header.from] = [headerValue(envelope.from)];
  if (progress) record[Header.progress] = ['1'];
  const h = MsgHdrsImpl.fromRecord(record);
  const body: RequestBody =
    envelope.principal === undefined
      ? { message: envelope.message, depth: envelope.depth }
      : { message: envelope.message, depth: envelope.depth, principal: envelope.principal };
  return { data: encodeJson(body, 'request'), headers: h };
}

/** A decoded, validated request. */
export interface DecodedRequest {
  readonly envelope: RequestEnvelope;
  readonly progress: boolean;
}

/**
 * Decodes and validates a request that arrived for agent `to`. Throws INVALID_MESSAGE for missing
 * or malformed headers, bad bytes, a wrong shape or an oversize message: nothing unchecked reaches
 * the handler.
 */
export function decodeRequest(to: string, data: Uint8Array, h: MsgHdrs | undefined, maxBytes: number): DecodedRequest {
  if (h === undefined) throw invalidMessage('request has no agentmesh headers');
  const body = decodeJson(data, maxBytes + ENVELOPE_SLACK_BYTES, 'request body');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidMessage('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const call = readCallHeaders(h);
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
  return { envelope, progress: call.progress === '1' };
}

/** One pass over the headers (MsgHdrs.get scans all keys on every call). */
function readCallHeaders(h: MsgHdrs): { id: string; trace: string; deadline: string; from: string; progress: string } {
  const call = { id: '', trace: '', deadline: '', from: '', progress: '' };
  for (const [key, values] of h) {
    const value = values[0] ?? '';
    if (key === Header.id) call.id = value;
    else if (key === Header.trace) call.trace = value;
    else if (key === Header.deadline) call.deadline = value;
    else if (key === Header.from) call.from = value;
    else if (key === Header.progress) call.progress = value;
  }
  return call;
}

/** The request id from a request's headers, for refusing it; "unknown" when unreadable. */
export function requestIdOf(h: MsgHdrs | undefined): string {
  try {
    const id = h === undefined ? '' : readHeaderValue(h.get(Header.id), Header.id);
    return id === '' ? 'unknown' : id;
  } catch {
    return 'unknown';
  }
}
