import type { Agent, Message, RequestContext } from '@agentmesh/core';
import { invalidArgument } from '../shared/errors.js';
import { DeferredReply } from './deferred-reply.js';
import { replyToOf, requestIdOf } from './wire.js';

/** A request as its handler sees it, beyond the parsed payload. */
export interface IncomingRequest<TOutput = unknown> {
  readonly requestId: string;
  readonly type: string;
  /** The agent waiting for the answer. */
  readonly replyTo: string | undefined;
  /** The request message as received (metadata included). */
  readonly message: Message;
  /**
   * Answer later: return the result of `defer()` from the handler, then call its `resolve`,
   * `reject` or `progress` when ready. Calling it again returns the same object.
   * @throws MeshError INVALID_ARGUMENT when the request names no agent to answer.
   */
  defer(): DeferredReply<TOutput>;
}

/** The handler's view of one request; reads the message's metadata on demand. */
export class ServedRequest<TOutput> implements IncomingRequest<TOutput> {
  readonly message: Message;
  readonly #agent: Agent;
  readonly #ctx: RequestContext;
  #deferred: DeferredReply<TOutput> | undefined;

  constructor(agent: Agent, message: Message, ctx: RequestContext) {
    this.message = message;
    this.#agent = agent;
    this.#ctx = ctx;
  }

  get requestId(): string {
    return requestIdOf(this.message);
  }

  get type(): string {
    return this.message.metadata['requestType'] as string;
  }

  get replyTo(): string | undefined {
    return replyToOf(this.message);
  }

  defer(): DeferredReply<TOutput> {
    const replyTo = this.replyTo;
    if (replyTo === undefined) throw invalidArgument(`request ${this.requestId} names no replyTo agent, so it cannot be answered later`);
    return (this.#deferred ??= new DeferredReply<TOutput>(this.#agent, this.requestId, replyTo, this.#ctx.deadline));
  }
}
