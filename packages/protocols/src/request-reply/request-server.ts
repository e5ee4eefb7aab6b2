import type { Agent, HandlerResult, InboundCall, JsonValue, Message, RequestContext } from '@agentmesh/core';
import { invalidArgument, schemaMismatch } from '../shared/errors.js';
import { SchemaFailure } from '../shared/schema.js';
import { DeferredReply } from './deferred-reply.js';
import { assertSchemas, codecsOf, type AnyRequestDefinition, type RequestHandlerInput, type RequestHandlerOutput } from './define-request.js';
import { ServedRequest, type IncomingRequest } from './incoming-request.js';
import { unknownRequestType } from './request-errors.js';
import { directAnswer, replyMessage } from './wire.js';

/** What a handler may return: the answer, or a {@link DeferredReply} to answer later. */
export type TypedRequestResult<D extends AnyRequestDefinition> = RequestHandlerOutput<D> | DeferredReply<RequestHandlerOutput<D>>;

/**
 * Serves one request type on one agent: gets the parsed payload, the request's context (deadline,
 * signal, `reportProgress`) and the request itself (to `defer()` the answer).
 */
export type TypedRequestHandler<D extends AnyRequestDefinition> = (
  input: RequestHandlerInput<D>,
  ctx: RequestContext,
  request: IncomingRequest<RequestHandlerOutput<D>>,
) => TypedRequestResult<D> | Promise<TypedRequestResult<D>>;

interface Registration {
  readonly definition: AnyRequestDefinition;
  readonly handler: TypedRequestHandler<AnyRequestDefinition>;
}

/** The callee side: typed handlers per agent and request type. */
export class RequestServer {
  readonly #byAgent = new WeakMap<Agent, Map<string, Registration>>();

  /** Registers a handler; returns the function that removes it. */
  register<D extends AnyRequestDefinition>(agent: Agent, definition: D, handler: TypedRequestHandler<D>): () => void {
    assertSchemas(definition);
    let handlers = this.#byAgent.get(agent);
    if (handlers === undefined) this.#byAgent.set(agent, (handlers = new Map<string, Registration>()));
    if (handlers.has(definition.type)) throw invalidArgument(`agent "${agent.name}" already handles request type "${definition.type}"`);
    const registration: Registration = { definition, handler };
    handlers.set(definition.type, registration);
    const owner = handlers;
    return () => {
      if (owner.get(definition.type) !== registration) return;
      owner.delete(definition.type);
      if (owner.size === 0 && this.#byAgent.get(agent) === owner) this.#byAgent.delete(agent);
    };
  }

  /**
   * Serves a request for `call.agent`. An agent with no typed handlers gets the message in its own
   * `handle` (it may implement the protocol by hand); one with handlers, but not for this type,
   * fails NO_HANDLER naming the types it serves. A payload that breaks the input schema fails
   * INVALID_MESSAGE before the handler runs.
   */
  serve(call: InboundCall, requestType: string, next: (call: InboundCall) => Promise<HandlerResult> | HandlerResult): Promise<HandlerResult> | HandlerResult {
    const handlers = this.#byAgent.get(call.agent);
    if (handlers === undefined) return next(call);
    const registration = handlers.get(requestType);
    if (registration === undefined) throw unknownRequestType(call.agent.name, requestType, [...handlers.keys()]);
    // Parsed here, from what arrived, even in-process: a middleware may have changed the content
    // since the caller checked it, and the handler must see exactly what its schema accepts.
    const input = parseInput(registration.definition, call.message.content);
    const request = new ServedRequest(call.agent, call.message, call.context);
    const result = registration.handler(input, call.context, request);
    if (isPromiseLike(result)) return Promise.resolve(result).then((value) => answer(request.requestId, value, call.context));
    return answer(request.requestId, result, call.context);
  }
}

function parseInput(definition: AnyRequestDefinition, content: unknown): unknown {
  const parsed = codecsOf(definition).input.parse(content);
  if (parsed instanceof SchemaFailure) throw schemaMismatch(`payload of request "${definition.type}"`, parsed.issues);
  return parsed;
}

function answer(requestId: string, value: unknown, ctx: RequestContext): Message {
  if (value instanceof DeferredReply) {
    const ack = replyMessage(requestId, 'deferred', null, undefined, true);
    // Tells the caller the deadline the mesh set for this call, so it need not read its clock.
    if (ctx.deadline !== undefined) ack.metadata['deadline'] = ctx.deadline;
    return ack;
  }
  return directAnswer(requestId, (value ?? null) as JsonValue);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
