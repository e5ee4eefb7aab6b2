import type { Clock, JsonValue, MeshError, Message, RequestContext } from '@agentmesh/core';
import { schemaMismatch } from '../shared/errors.js';
import type { ProtocolLogger } from '../shared/logger.js';
import { SchemaFailure } from '../shared/schema.js';
import { codecsOf, type AnyRequestDefinition } from './define-request.js';
import type { SendRequestOptions } from './options.js';
import { errorOfReply } from './request-errors.js';
import { RequestLimits } from './request-limits.js';
import { isDeferredAck, type ReplyKind } from './wire.js';

/** What every pending request of one protocol shares. */
export interface PendingOwner {
  readonly clock: Clock;
  readonly logger: ProtocolLogger;
  /** Removes the entry from the protocol's table; called exactly once per request. */
  settled(slot: number): void;
  /** The error to end a request with that is deferred after the protocol was closed, if it was. */
  closedError(): MeshError | undefined;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

const CALLING = 0;
const DEFERRED = 1;
const SETTLED = 2;

/**
 * One request waiting for its answer. The caller's promise is the call's own continuation
 * (`afterCall` / `afterCallError`), so the common case allocates no promise, timer or listener of
 * its own; only a `deferred` acknowledgement creates a promise, resolved later through `deliver`.
 * While the call runs the mesh enforces its deadline, the caller's signal and the parent context;
 * {@link RequestLimits} enforces the rest. It settles exactly once, and settling stops the limits
 * and removes the table entry, on every path.
 */
export class PendingRequest {
  /** The protocol's table slot. */
  readonly slot: number;
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly type: string;
  /** Checks and parses the answer; undefined for untyped requests (the answer is the reply message). */
  readonly definition: AnyRequestDefinition | undefined;
  /** The whole request's budget (the call's timeout); Infinity for none. */
  readonly totalMs: number;
  /** With `resetTimeoutOnProgress`: the idle budget, restarted by every progress frame. */
  readonly idleMs: number | undefined;
  readonly onProgress: ((data: JsonValue) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  /** The caller's context: its deadline and cancellation bound the request. */
  readonly parent: RequestContext | undefined;
  readonly #owner: PendingOwner;
  #state = CALLING;
  /** How it ended while the call still ran; replayed when the call returns. */
  #outcome: Outcome | undefined;
  /** The caller's promise, once deferred. */
  #wait: { resolve: (value: unknown) => void; reject: (error: unknown) => void } | undefined;
  #limits: RequestLimits | undefined;
  /** The signal the call runs with: ours with an idle budget, else the caller's. */
  readonly callSignal: AbortSignal | undefined;

  /**
   * The facts are this object's own fields, passed one by one, rather than a record it points to:
   * one allocation per request instead of two. `options` gives the signal, the progress listener
   * and the parent context.
   */
  constructor(
    owner: PendingOwner,
    slot: number,
    id: string,
    from: string,
    to: string,
    type: string,
    definition: AnyRequestDefinition | undefined,
    totalMs: number,
    idleMs: number | undefined,
    options: SendRequestOptions,
  ) {
    this.#owner = owner;
    this.slot = slot;
    this.id = id;
    this.from = from;
    this.to = to;
    this.type = type;
    this.definition = definition;
    this.totalMs = totalMs;
    this.idleMs = idleMs;
    this.onProgress = options.onProgress;
    this.signal = options.signal;
    this.parent = options.context;
    this.callSignal = idleMs === undefined ? options.signal : this.#limitsNow().startIdle(idleMs);
  }

  /** True while the call has ended with a deferred acknowledgement and the answer has not come. */
  get deferred(): boolean {
    return this.#state === DEFERRED;
  }

  /** The progress listener for the call, when anybody needs progress. */
  callProgress(): ((data: JsonValue) => void) | undefined {
    if (this.onProgress === undefined && this.idleMs === undefined) return undefined;
    return (data) => this.#progress(data);
  }

  /** The call's direct reply: the answer (parsed, or thrown), or a promise of the deferred one. */
  afterCall(reply: Message): unknown {
    if (this.#state === SETTLED) return this.#replay();
    if (isDeferredAck(reply)) return this.#defer(reply);
    this.#finish();
    return this.#answer(reply);
  }

  /** The call failed: rethrows, unless the request had already ended another way. */
  afterCallError(error: unknown): unknown {
    if (this.#state === SETTLED) return this.#replay();
    this.#finish();
    throw error;
  }

  /** A reply that arrived in its own message. False when nobody waits for it any more. */
  deliver(message: Message, kind: ReplyKind): boolean {
    if (this.#state === SETTLED) return false;
    if (kind === 'progress') this.#progress(message.content);
    else if (kind === 'error') this.fail(errorOfReply(message, this.to));
    else if (kind === 'result') {
      let outcome: Outcome;
      try {
        outcome = { ok: true, value: this.#answer(message) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      this.#settle(outcome);
    }
    return true;
  }

  /** Ends the request with `error` (a running call is cancelled when we own its signal). */
  fail(error: unknown): void {
    this.#settle({ ok: false, error });
  }

  /** The untyped answer is the reply message itself; a typed one is parsed by the output schema, or throws. */
  #answer(reply: Message): unknown {
    const definition = this.definition;
    if (definition === undefined) return reply;
    const parsed = codecsOf(definition).output.parse(reply.content);
    if (!(parsed instanceof SchemaFailure)) return parsed;
    throw schemaMismatch(`reply to request "${definition.type}" from "${this.to}"`, parsed.issues);
  }

  #settle(outcome: Outcome): void {
    const state = this.#state;
    if (state === SETTLED) return;
    this.#finish();
    if (state === CALLING) this.#outcome = outcome;
    if (!outcome.ok) this.#limits?.abortCall(outcome.error);
    if (state === CALLING) return;
    if (outcome.ok) this.#wait!.resolve(outcome.value);
    else this.#wait!.reject(outcome.error);
  }

  #replay(): unknown {
    const outcome = this.#outcome!;
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  /** The call ended with "the answer comes later": from now on the limits are ours to enforce. */
  #defer(ack: Message): Promise<unknown> {
    // close() fails the requests deferred at that moment; one whose call was still running then
    // learns only now that its answer would come later: nobody will route it any more.
    const closed = this.#owner.closedError();
    if (closed !== undefined) {
      this.#finish();
      return Promise.reject(closed);
    }
    this.#state = DEFERRED;
    const promise = new Promise<unknown>((resolve, reject) => (this.#wait = { resolve, reject }));
    this.#limitsNow().watchDeferred(ack.metadata['deadline']);
    return promise;
  }

  #limitsNow(): RequestLimits {
    return (this.#limits ??= new RequestLimits(this.#owner.clock, this, (error) => this.fail(error)));
  }

  #progress(data: JsonValue): void {
    if (this.#state === SETTLED) return;
    this.#limits?.touch();
    const listener = this.onProgress;
    if (listener === undefined) return;
    try {
      listener(data);
    } catch (error) {
      this.#owner.logger.warn({ err: error, requestId: this.id, to: this.to }, 'onProgress threw; the request goes on');
    }
  }

  #finish(): void {
    this.#state = SETTLED;
    this.#limits?.stop();
    this.#owner.settled(this.slot);
  }
}
