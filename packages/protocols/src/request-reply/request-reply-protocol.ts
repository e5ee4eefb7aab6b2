import {
  MeshError,
  cancelledError,
  type Agent,
  type InboundMiddleware,
  type JsonValue,
  type Mesh,
  type Message,
} from '@agentmesh/core';
import { claimMesh } from '../shared/install.js';
import { invokeOptions } from '../shared/invoke-options.js';
import { assertTimeoutMs, nameOf } from '../shared/options.js';
import { schemaMismatch } from '../shared/errors.js';
import { codecsOf, type AnyRequestDefinition, type RequestPayload, type RequestResult } from './define-request.js';
import { PendingRequest, type PendingOwner } from './pending-request.js';
import { PendingTable } from './pending-table.js';
import { RequestIds } from './request-ids.js';
import { RequestServer, type TypedRequestHandler } from './request-server.js';
import {
  DEFAULT_MAX_TOTAL_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type HandleReplyOptions,
  type RequestReplyProtocolOptions,
  type SendRequestOptions,
} from './options.js';
import { REQUEST_REPLY_PROTOCOL, readReply, requestMessage, requestTypeOf, type ReplyMeta } from './wire.js';

const NO_OPTIONS: SendRequestOptions = {};

/**
 * Request-reply between agents, typed with zod. Constructing it installs inbound middleware on
 * `mesh` that serves typed handlers and routes answers that arrive later (`inReplyTo`) to the
 * request waiting for them. Install one on every mesh whose agents send or serve requests.
 */
export class RequestReplyProtocol {
  /** The mesh this protocol sends requests through and serves them on. */
  readonly mesh: Mesh;
  readonly #pending = new PendingTable<PendingRequest>();
  readonly #ids = new RequestIds();
  readonly #server = new RequestServer();
  readonly #defaultTimeoutMs: number;
  readonly #maxTotalTimeoutMs: number;
  readonly #owner: PendingOwner;
  #closed = false;

  /** @throws MeshError INVALID_ARGUMENT for bad options or a second RequestReplyProtocol on the same mesh. */
  constructor(mesh: Mesh, options: RequestReplyProtocolOptions = {}) {
    this.#defaultTimeoutMs = assertTimeoutMs(options.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 'defaultTimeoutMs');
    this.#maxTotalTimeoutMs = assertTimeoutMs(options.maxTotalTimeoutMs ?? DEFAULT_MAX_TOTAL_TIMEOUT_MS, 'maxTotalTimeoutMs');
    const pending = this.#pending;
    this.#owner = {
      logger: options.logger ?? mesh.logger,
      clock: options.clock ?? mesh.clock,
      settled: (slot) => pending.release(slot),
      closedError: () => (this.#closed ? closedWhileAwaited() : undefined),
    };
    this.mesh = mesh;
    claimMesh(mesh, REQUEST_REPLY_PROTOCOL);
    mesh.useInbound(this.#inbound);
  }

  /** Requests waiting for their answer. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Sends a typed request and resolves its parsed answer. Rejects with a MeshError: INVALID_MESSAGE
   * when the payload breaks the input schema (nothing is sent) or the answer breaks the output
   * schema; TIMEOUT; CANCELLED; NO_HANDLER when the callee does not serve the type; the callee's
   * own failure (HANDLER_ERROR, or its MeshError's code).
   */
  sendRequest<D extends AnyRequestDefinition>(from: Agent | string, to: string, request: D, payload: RequestPayload<D>, options?: SendRequestOptions): Promise<RequestResult<D>>;
  /** Sends an untyped request (`requestType` and a JSON payload) and resolves the reply message. */
  sendRequest(from: Agent | string, to: string, requestType: string, payload: JsonValue, options?: SendRequestOptions): Promise<Message>;
  sendRequest(from: Agent | string, to: string, request: AnyRequestDefinition | string, payload: unknown, options: SendRequestOptions = NO_OPTIONS): Promise<unknown> {
    try {
      return this.#send(nameOf(from), to, request, payload, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #send(from: string, to: string, request: AnyRequestDefinition | string, payload: unknown, options: SendRequestOptions): Promise<unknown> {
    if (this.#closed) throw MeshError.withoutStack('CLOSED', 'the request-reply protocol is closed');
    const timeoutMs = options.timeoutMs === undefined ? this.#defaultTimeoutMs : assertTimeoutMs(options.timeoutMs, 'timeoutMs');
    const reset = options.resetTimeoutOnProgress === true;
    const totalMs = !reset ? timeoutMs : options.maxTotalTimeoutMs === undefined ? this.#maxTotalTimeoutMs : assertTimeoutMs(options.maxTotalTimeoutMs, 'maxTotalTimeoutMs');
    const definition = typeof request === 'string' ? undefined : request;
    const type = definition === undefined ? (request as string) : definition.type;
    if (definition !== undefined) {
      // Checked here so a bad payload is never sent; the callee parses what it receives again.
      const failure = codecsOf(definition).input.check(payload);
      if (failure !== undefined) throw schemaMismatch(`payload of request "${type}"`, failure.issues);
    }
    const signal = options.signal;
    if (signal?.aborted === true) throw cancelledError(to, signal.reason);
    const slot = this.#pending.reserve();
    const id = this.#ids.next(slot);
    const idleMs = reset && timeoutMs < totalMs ? timeoutMs : undefined;
    const pending = new PendingRequest(this.#owner, slot, id, from, to, type, definition, totalMs, idleMs, options);
    this.#pending.fill(slot, pending);
    const message = requestMessage(id, type, from, payload as JsonValue, options.metadata);
    let call: Message | Promise<Message>;
    try {
      call = this.mesh.invokeDirect(to, message, invokeOptions(from, totalMs, pending.callSignal, options.context, pending.callProgress()));
    } catch (error) {
      // A middleware that throws instead of rejecting must not leave the entry behind.
      call = Promise.reject(error);
    }
    if (call instanceof Promise) {
      return call.then(
        (reply) => pending.afterCall(reply),
        (error: unknown) => pending.afterCallError(error),
      );
    }
    // Answered synchronously (in-process): the answer is read now, without another microtask. A
    // throw (an answer that breaks the output schema) becomes the rejection in sendRequest.
    return Promise.resolve(pending.afterCall(call));
  }

  /**
   * Hands an answer that arrived on its own (`metadata.inReplyTo`) to the request waiting for it.
   * Agents on a mesh with this protocol installed do this automatically; call it yourself when
   * answers reach you another way (a topic, a queue). Returns false, and logs at debug, for
   * replies nobody waits for: unknown ids, late answers, senders that do not match.
   */
  handleReply(message: Message, options: HandleReplyOptions = {}): boolean {
    const reply = readReply(message);
    if (reply === undefined) {
      this.#owner.logger.debug({ messageId: message.id }, 'dropped a message that is not a request-reply answer');
      return false;
    }
    return this.#deliver(message, reply, options.from, options.to);
  }

  /**
   * Serves `definition` on `agent` with a typed handler. An agent can serve several types. Returns
   * the function that removes the handler.
   * @throws MeshError INVALID_ARGUMENT when the agent already serves that type, or a schema is not a zod schema.
   */
  handleRequest<D extends AnyRequestDefinition>(agent: Agent, definition: D, handler: TypedRequestHandler<D>): () => void {
    return this.#server.register(agent, definition, handler);
  }

  /**
   * Refuses new requests (CLOSED) and fails every request still waiting for a deferred answer with
   * CLOSED, clearing its timers: the mesh does not know about those. Requests whose call is still
   * running end with that call, as `mesh.close()` drains calls in flight.
   */
  close(): void {
    this.#closed = true;
    const error = closedWhileAwaited();
    for (const pending of this.#pending.entries()) if (pending.deferred) pending.fail(error);
  }

  /**
   * `from` and `to` are checked when given; `senderRequired` (answers arriving through the mesh)
   * also refuses an answer that names no sender, which anybody could otherwise forge.
   */
  #deliver(message: Message, reply: ReplyMeta, from: string | undefined, to: string | undefined, senderRequired = false): boolean {
    const pending = this.#lookup(reply.inReplyTo);
    if (pending === undefined) {
      this.#owner.logger.debug({ inReplyTo: reply.inReplyTo, replyKind: reply.kind, from, to }, 'dropped a reply nobody waits for (unknown request, or it already ended)');
      return false;
    }
    if (((senderRequired || from !== undefined) && from !== pending.to) || (to !== undefined && to !== pending.from)) {
      this.#owner.logger.debug({ inReplyTo: reply.inReplyTo, from, to, expectedFrom: pending.to, expectedTo: pending.from }, 'dropped a reply from or to the wrong agent');
      return false;
    }
    return pending.deliver(message, reply.kind);
  }

  #lookup(requestId: string): PendingRequest | undefined {
    const slot = this.#ids.slotOf(requestId);
    return slot === undefined ? undefined : this.#pending.get(slot, requestId);
  }

  readonly #inbound: InboundMiddleware = (call, next) => {
    if (call.message.metadata['protocol'] !== REQUEST_REPLY_PROTOCOL) return next(call);
    const requestType = requestTypeOf(call.message);
    if (requestType !== undefined) return this.#server.serve(call, requestType, next);
    const reply = readReply(call.message);
    if (reply === undefined) return next(call);
    return { delivered: this.#deliver(call.message, reply, call.context.from, call.agent.name, true) };
  };
}

function closedWhileAwaited(): MeshError {
  return MeshError.withoutStack('CLOSED', 'the request-reply protocol was closed while the answer was awaited');
}
