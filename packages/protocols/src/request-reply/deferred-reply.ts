import { toHandlerError, type Agent, type JsonValue, type Message } from '@agentmesh/core';
import { invalidArgument } from '../shared/errors.js';
import { replyMessage, type ReplyKind } from './wire.js';

/**
 * An answer that comes later. Get one from `request.defer()` inside a handler and return it: the
 * caller receives a `deferred` acknowledgement at once and keeps waiting (within its timeout)
 * for the answer, which this object sends to the requesting agent as a message with
 * `metadata.inReplyTo`. Frames are sent in order. Each method resolves `true` when the caller was
 * still waiting and `false` when it no longer was (it timed out or was cancelled), and rejects
 * when the message could not be delivered at all (the requester's agent is gone).
 */
export class DeferredReply<TOutput = unknown> {
  /** The request this answers. */
  readonly requestId: string;
  /** The agent waiting for the answer. */
  readonly replyTo: string;
  /** Epoch ms after which the caller stops waiting; undefined when it set no limit. */
  readonly deadline: number | undefined;
  readonly #agent: Agent;
  #settled = false;
  #tail: Promise<unknown> = Promise.resolve();

  /** @internal Use `request.defer()`. */
  constructor(agent: Agent, requestId: string, replyTo: string, deadline: number | undefined) {
    this.#agent = agent;
    this.requestId = requestId;
    this.replyTo = replyTo;
    this.deadline = deadline;
  }

  /** True once `resolve` or `reject` was called. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Sends a progress frame (the caller's `onProgress` receives `data`; it also resets an idle timeout). */
  progress(data: JsonValue): Promise<boolean> {
    if (this.#settled) return Promise.reject(invalidArgument(`request ${this.requestId} is already answered; progress must come before the answer`));
    return this.#send('progress', data);
  }

  /** Sends the answer. The caller checks it against the request's output schema. */
  resolve(value: TOutput): Promise<boolean> {
    return this.#settle('result', value as JsonValue);
  }

  /** Sends a failure; the caller rejects with it as a MeshError (HANDLER_ERROR unless it is one already). */
  reject(error: unknown): Promise<boolean> {
    return this.#settle('error', null, error);
  }

  #settle(kind: ReplyKind, content: JsonValue, error?: unknown): Promise<boolean> {
    if (this.#settled) return Promise.reject(invalidArgument(`request ${this.requestId} is already answered`));
    this.#settled = true;
    return this.#send(kind, content, error === undefined ? undefined : toHandlerError(error, this.#agent.name));
  }

  #send(kind: ReplyKind, content: JsonValue, error?: ReturnType<typeof toHandlerError>): Promise<boolean> {
    const message = replyMessage(this.requestId, kind, content ?? null, error);
    // Chained, so frames and the answer arrive in the order they were sent, even over a network.
    const sent = this.#tail.then(() => this.#agent.invoke(this.replyTo, message)).then(wasDelivered);
    this.#tail = sent.catch(() => undefined);
    return sent;
  }
}

function wasDelivered(reply: Message): boolean {
  const content = reply.content;
  return typeof content === 'object' && content !== null && !Array.isArray(content) && content['delivered'] === true;
}
