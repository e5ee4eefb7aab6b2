import { headers, MsgHdrsImpl, type MsgHdrs } from '@nats-io/transport-node';
import { invalidMessage } from '../errors.js';

/**
 * Header names. Requests carry their call metadata in headers so that NATS tooling (`nats sub`,
 * server tracing) shows who called whom, until when, in which trace, without parsing bodies.
 */
export const Header = {
  /** The request id: correlates the request, its progress frames, its reply and its cancellation. */
  id: 'Am-Id',
  /** Epoch ms after which the caller gives up; the serving mesh aborts the handler then. */
  deadline: 'Am-Deadline',
  /** Trace context, traceparent-like: `<traceId>;<spanId>[;<parentSpanId>]`. */
  trace: 'Am-Trace',
  /** The calling agent. */
  from: 'Am-From',
  /** Present (`1`) when the caller listens for progress frames. */
  progress: 'Am-Progress',
  /** On frames sent back to the caller before the reply: `progress` or `accepted`. Absent on the final reply. */
  kind: 'Am-Kind',
  /** On `accepted` frames: the serving transport instance, which callers may probe for liveness. */
  instance: 'Am-Instance',
  /**
   * On a message that carries several requests (or several final replies) at once: how many. Each
   * member keeps its own reply subject and header block (see codec/batch.ts).
   */
  batch: 'Am-Batch',
  /**
   * On requests whose caller reads batched replies: the caller's inbox, under which its reply
   * subjects are `<inbox>.<token>`. Replies are batched only to reply subjects of that form.
   */
  coalesce: 'Am-Coalesce',
} as const;

/** The value of {@link Header.kind} on progress frames. */
export const PROGRESS_KIND = 'progress';
/** The value of {@link Header.kind} on the frame announcing a long-running request to its caller. */
export const ACCEPTED_KIND = 'accepted';
/** The value of {@link Header.kind} on the frame saying a batched request was not handled: send it again alone. */
export const DECLINED_KIND = 'declined';
/** The header block of a declined frame. */
export const DECLINED_BLOCK = `NATS/1.0\r\n${Header.kind}: ${DECLINED_KIND}\r\n\r\n`;
/** The header block of a progress frame (as it is written in a batch). */
export const PROGRESS_BLOCK = `NATS/1.0\r\n${Header.kind}: ${PROGRESS_KIND}\r\n\r\n`;

// Header values are kept readable; anything outside printable ASCII (or our separators) is
// percent-encoded, so a `%` always means an encoded value.
const SAFE = /^[\x21-\x24\x26-\x3a\x3c-\x7e]+$/;

/** Encodes a header value so it survives the NATS header block; INVALID_MESSAGE for broken Unicode. */
export function headerValue(value: string): string {
  if (SAFE.test(value)) return value;
  try {
    return encodeURIComponent(value);
  } catch (error) {
    throw invalidMessage(`header value ${JSON.stringify(value)} is not well-formed Unicode`, error);
  }
}

/** Reads a header value written by {@link headerValue}; INVALID_MESSAGE for a malformed one. */
export function readHeaderValue(value: string, name: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch (error) {
    throw invalidMessage(`header ${name} is malformed`, error);
  }
}

/** Headers marking a progress frame. */
export function progressHeaders(): MsgHdrs {
  const h = headers();
  h.set(Header.kind, PROGRESS_KIND);
  return h;
}

let declined: MsgHdrs | undefined;

/** Headers of a declined frame sent alone (shared: nats.js only encodes headers it is given). */
export function declinedHeaders(): MsgHdrs {
  return (declined ??= MsgHdrsImpl.fromRecord({ [Header.kind]: [DECLINED_KIND] }));
}

/** Headers of the `accepted` frame naming the serving instance. */
export function acceptedHeaders(instance: string): MsgHdrs {
  return MsgHdrsImpl.fromRecord({ [Header.kind]: [ACCEPTED_KIND], [Header.instance]: [instance] });
}

/** What arrived on a caller's inbox subject. */
export type InboxFrame =
  | { readonly kind: 'reply' }
  | { readonly kind: 'no-responders' }
  | { readonly kind: 'progress' }
  | { readonly kind: 'accepted'; readonly instance: string }
  | { readonly kind: 'declined' }
  | { readonly kind: 'batch'; readonly count: string };

const REPLY: InboxFrame = { kind: 'reply' };
const NO_RESPONDERS: InboxFrame = { kind: 'no-responders' };
const PROGRESS: InboxFrame = { kind: 'progress' };
const DECLINED: InboxFrame = { kind: 'declined' };

/**
 * Classifies an inbox message: the final reply has no headers (the common case costs nothing),
 * the server's "no responders" status is a 503 with an empty body, frames before the reply say
 * their kind, and several final replies sent together say how many. Unknown kinds are treated as
 * the reply, whose validation then decides.
 */
export function classifyFrame(msg: { readonly data: Uint8Array; readonly headers?: MsgHdrs | undefined }): InboxFrame {
  const h = msg.headers;
  if (h === undefined) return REPLY;
  if (msg.data.byteLength === 0 && h.code === 503) return NO_RESPONDERS;
  const kind = h.get(Header.kind);
  if (kind === PROGRESS_KIND) return PROGRESS;
  if (kind === ACCEPTED_KIND) return { kind: 'accepted', instance: h.get(Header.instance) };
  if (kind === DECLINED_KIND) return DECLINED;
  const count = h.get(Header.batch);
  if (count !== '') return { kind: 'batch', count };
  return REPLY;
}
