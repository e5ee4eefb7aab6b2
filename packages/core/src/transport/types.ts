import type { Cancellation } from '../context/cancellation.js';
import type { Principal } from '../context/request-context.js';
import type { SerializedMeshError } from '../errors/mesh-error.js';
import type { AgentInfo } from '../agent/registry.js';
import type { JsonValue } from '../message/json.js';
import type { Message } from '../message/message.js';

/** One request as it crosses a transport: plain JSON, no closures, no class instances. */
export interface RequestEnvelope {
  /** The request id (also the span id of the call). */
  readonly id: string;
  readonly to: string;
  readonly from?: string | undefined;
  readonly message: Message;
  /** Epoch ms; the callee is cancelled when it passes. */
  readonly deadline?: number | undefined;
  readonly depth: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string | undefined;
  readonly principal?: Principal | undefined;
}

/** The answer to a request: a message, or a serialized error that rebuilds the same MeshError. */
export type ReplyEnvelope =
  | { readonly id: string; readonly ok: true; readonly message: Message }
  | { readonly id: string; readonly ok: false; readonly error: SerializedMeshError };

/** One published event. */
export interface EventEnvelope {
  readonly topic: string;
  readonly message: Message;
  readonly from?: string | undefined;
  readonly traceId?: string | undefined;
}

/** What the serving side gets with each request. */
export interface ServeContext {
  /** Cancelled when the caller gives up (deadline or abort). */
  readonly cancellation: Cancellation;
  /** Sends a progress frame back to the caller; absent when the caller does not listen. */
  readonly progress?: ((data: JsonValue) => void) | undefined;
  /** True when the envelope came over a network (validated at ingress; deadline enforced by the mesh). */
  readonly remote: boolean;
}

/**
 * Serves requests for one address. Never throws or rejects: errors travel inside the reply. Returns
 * the reply itself when it is ready at once (an in-process transport may then answer synchronously).
 */
export type RequestHandler = (envelope: RequestEnvelope, io: ServeContext) => ReplyEnvelope | Promise<ReplyEnvelope>;

/** What the calling side passes with each request. */
export interface RequestOptions {
  /** Fires when the caller gives up; a network transport tells the remote side. */
  readonly cancellation: Cancellation;
  /** Receives the callee's progress frames, in order, before the reply. */
  readonly onProgress?: ((data: JsonValue) => void) | undefined;
}

/** Receives published events. */
export type EventHandler = (envelope: EventEnvelope) => void | Promise<void>;

/** Options for a subscription. */
export interface TransportSubscribeOptions {
  /** Members of one queue group share the events (each goes to one member). */
  readonly queue?: string;
  /** Ask for durable, at-least-once delivery under this name (transports that support it). */
  readonly durable?: string;
}

/** Something that can be stopped. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * The seam between the mesh and the wire. Everything that crosses it is a plain JSON envelope, so
 * a network transport can implement it; `@agentmesh/core/testing` has the conformance suite every
 * transport must pass.
 */
export interface Transport {
  readonly name: string;
  /** Starts serving requests for an agent address. Several servers of one address share the load. */
  serve(address: string, handler: RequestHandler, info: AgentInfo): Promise<Closable>;
  /**
   * Sends a request. Rejects with AGENT_NOT_FOUND when nobody serves `to`, TRANSPORT_ERROR when the
   * wire fails, CLOSED after close; everything else comes back inside the reply envelope. May
   * return the reply itself when it is ready at once (in-process transports), else a promise.
   */
  request(envelope: RequestEnvelope, options: RequestOptions): ReplyEnvelope | Promise<ReplyEnvelope>;
  /** Publishes an event; resolves once the transport has taken it. */
  publish(envelope: EventEnvelope): Promise<void>;
  /** Subscribes to a topic (`*` matches one dot-separated token, a final `>` the rest). */
  subscribe(topic: string, handler: EventHandler, options?: TransportSubscribeOptions): Promise<Closable>;
  /** Which agents are reachable through this transport, if it can tell. */
  discover?(): Promise<AgentInfo[]>;
  /** Stops serving and subscriptions, drains what is in flight, releases resources. */
  close(): Promise<void>;
}
