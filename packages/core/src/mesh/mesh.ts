import { pino, type Logger } from 'pino';
import type { Agent } from '../agent/agent.js';
import { AgentRegistry, type AgentInfo } from '../agent/registry.js';
import { Cancellation } from '../context/cancellation.js';
import { systemClock, type Clock } from '../context/clock.js';
import { DeadlineScheduler } from '../context/deadline-scheduler.js';
import { RequestContext, cancelledError, timeoutError } from '../context/request-context.js';
import { MeshError } from '../errors/mesh-error.js';
import { nextId } from '../message/ids.js';
import { createMessage, type Message, type MessageInit } from '../message/message.js';
import { assertValidMessage, DEFAULT_MAX_MESSAGE_BYTES } from '../message/validate.js';
import { replyError } from '../transport/envelope.js';
import { InMemoryTransport } from '../transport/in-memory.js';
import { assertTopic } from '../transport/topic.js';
import type { Closable, ReplyEnvelope, RequestEnvelope, Transport } from '../transport/types.js';
import { compileAccess } from './access.js';
import { EventHub } from './events.js';
import { PendingCall } from './pending-call.js';
import { AgentServer, isThenable } from './server.js';
import type {
  Call,
  InboundMiddleware,
  InvokeOptions,
  Mesh,
  MeshOptions,
  MeshStats,
  Middleware,
  PublishOptions,
  SubscribeOptions,
  Subscriber,
  Subscription,
} from './types.js';

/** Timeout of a call that names none. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Longest chain of nested calls. */
export const DEFAULT_MAX_DEPTH = 32;

const NO_OPTIONS: InvokeOptions = {};

/** Creates a mesh: a registry of agents, calls between them, events, middleware, one transport. */
export function createMesh(options: MeshOptions = {}): Mesh {
  return new MeshImpl(options);
}

class MeshImpl implements Mesh {
  readonly registry: AgentRegistry;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly #scheduler: DeadlineScheduler;
  readonly #defaultTimeoutMs: number;
  readonly #maxDepth: number;
  readonly #maxBytes: number;
  readonly #access: ((from: string | undefined, to: string) => boolean) | undefined;
  readonly #closeTransport: boolean;
  readonly #events: EventHub;
  readonly #serving = new Map<string, Promise<Closable>>();
  #middleware: Middleware[] = [];
  #chain: (call: Call) => Promise<Message> = (call) => this.#send(call);
  #inFlight = 0;
  readonly #server: AgentServer;
  #idle: (() => void) | undefined;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closed: Promise<void> | undefined;

  constructor(options: MeshOptions) {
    this.transport = options.transport ?? new InMemoryTransport();
    this.#closeTransport = options.closeTransport ?? true;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.clock = options.clock ?? systemClock;
    this.#scheduler = new DeadlineScheduler(this.clock);
    this.#defaultTimeoutMs = positive(options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS, 'defaultTimeoutMs');
    this.#maxDepth = positive(options.maxDepth ?? DEFAULT_MAX_DEPTH, 'maxDepth');
    this.#maxBytes = positive(options.limits?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, 'limits.maxMessageBytes');
    this.#access = compileAccess(options.access);
    this.#events = new EventHub(this.transport, this.logger, () => this.#checkIdle());
    this.registry = new AgentRegistry({
      onRegister: (agent) => this.#startServing(agent),
      onUnregister: (agent) => this.#stopServing(agent),
    });
    this.#server = new AgentServer({
      registry: this.registry,
      logger: this.logger,
      clock: this.clock,
      scheduler: this.#scheduler,
      maxBytes: this.#maxBytes,
      maxDepth: this.#maxDepth,
      access: this.#access,
      origin: this,
      onSettled: () => this.#checkIdle(),
    });
  }

  register(agent: Agent): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(closedError());
    try {
      this.registry.register(agent);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#serving.get(agent.name)!.then(() => undefined);
  }

  async unregister(name: string): Promise<boolean> {
    const serving = this.#serving.get(name);
    if (!this.registry.unregister(name)) return false;
    await (await serving)?.close();
    return true;
  }

  #startServing(agent: Agent): void {
    agent.attachTo(this);
    const info: AgentInfo = { name: agent.name, capabilities: agent.getCapabilities() };
    const serving = this.transport.serve(agent.name, this.#server.handle, info);
    this.#serving.set(agent.name, serving);
    serving.catch((error: unknown) => {
      this.logger.error({ err: error, agent: agent.name }, 'transport could not serve agent; unregistering it');
      if (this.registry.get(agent.name) === agent) this.registry.unregister(agent.name);
    });
  }

  #stopServing(agent: Agent): void {
    this.#serving.delete(agent.name);
    agent.attachTo(undefined);
  }

  use(middleware: Middleware): this {
    this.#middleware = [...this.#middleware, middleware];
    // Compose once here, not per call: each layer's `next` is the already-built inner function.
    let chain: (call: Call) => Promise<Message> = (call) => this.#send(call);
    for (let i = this.#middleware.length - 1; i >= 0; i--) {
      const layer = this.#middleware[i]!;
      const inner = chain;
      chain = (call) => layer(call, inner);
    }
    this.#chain = chain;
    return this;
  }

  useInbound(middleware: InboundMiddleware): this {
    this.#server.use(middleware);
    return this;
  }

  invoke(to: string, input: Message | MessageInit, options: InvokeOptions = NO_OPTIONS): Promise<Message> {
    const reply = this.invokeDirect(to, input, options);
    return reply instanceof Promise ? reply : Promise.resolve(reply);
  }

  invokeDirect(to: string, input: Message | MessageInit, options: InvokeOptions = NO_OPTIONS): Message | Promise<Message> {
    const parent = options.context;
    // While closing, only work nested in calls already in flight may still start.
    if (this.#state !== 'open' && (this.#state === 'closed' || parent === undefined)) return Promise.reject(closedError());
    let message: Message;
    try {
      message = assertValidMessage(toMessage(input), this.#maxBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    const from = options.from ?? parent?.agentName;
    const depth = (parent?.depth ?? 0) + 1;
    if (depth > this.#maxDepth) {
      return Promise.reject(new MeshError('MAX_DEPTH', `call to "${to}" would be ${depth} hops deep (limit ${this.#maxDepth})`, { agent: to }));
    }
    if (this.#access !== undefined) {
      let allowed: boolean;
      try {
        allowed = this.#access(from, to);
      } catch (error) {
        // A policy that throws fails the call; it must not throw out of invoke.
        return Promise.reject(error);
      }
      if (!allowed) return Promise.reject(new MeshError('ACCESS_DENIED', `"${from ?? '(anonymous)'}" may not call "${to}"`));
    }
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    // NaN or a negative number would make a deadline no comparison can pass (and one NaN in the
    // scheduler would stop every later deadline): refuse it here.
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) return Promise.reject(invalidTimeout(timeoutMs));
    let deadline = parent?.deadline;
    if (timeoutMs !== Infinity || deadline !== undefined) {
      const now = this.clock.now();
      if (timeoutMs !== Infinity && (deadline === undefined || now + timeoutMs < deadline)) deadline = now + timeoutMs;
      if (deadline! <= now) return Promise.reject(timeoutError(to, deadline!));
    }
    const parentReason = parent?.cancellation.reason;
    if (parentReason !== undefined) return Promise.reject(parentReason);
    if (options.signal?.aborted === true) return Promise.reject(cancelledError(to, options.signal.reason));
    const cancellation = new Cancellation();
    // Tells this mesh's serving side that the request is its own (see AgentServer, closing).
    cancellation.origin = this;
    const requestId = nextId();
    const traceId = parent?.traceId ?? requestId;
    const principal = options.principal ?? parent?.principal;
    const watched = deadline !== undefined || parent !== undefined || options.signal !== undefined;
    // The mesh enforces this deadline; inner steps need not watch it again.
    cancellation.watched = watched;
    this.#inFlight++;
    if (this.#middleware.length === 0) {
      // No middleware: no caller-side context is needed, only the envelope.
      const envelope: RequestEnvelope = {
        id: requestId,
        to,
        from,
        message,
        deadline,
        depth,
        traceId,
        spanId: requestId,
        parentSpanId: parent?.spanId,
        principal,
      };
      const reply = this.#request(envelope, cancellation, options.onProgress);
      let direct: Message | Promise<Message> | undefined;
      try {
        // Answered synchronously: nothing can time out or be cancelled any more.
        if (!isThenable(reply)) direct = reply.ok ? reply.message : Promise.reject(replyError(reply));
      } catch (error) {
        // A reply that is not an envelope, or whose `then` cannot even be read: the call fails.
        direct = Promise.reject(error);
      }
      if (direct !== undefined) {
        this.#done();
        return direct;
      }
      const answer = reply as PromiseLike<ReplyEnvelope>;
      // The common case, a promise of the platform's own, is followed directly.
      if (!watched && isPlainPromise(answer)) return answer.then(this.#onReply, this.#settledError);
      // Anything else (a deadline to watch, a foreign thenable) settles through a pending record,
      // which subscribes safely whatever the thenable does; only a watched one schedules or links.
      const pending = watched ? this.#pending(to, cancellation, deadline, parent, options.signal) : this.#unwatched(to, cancellation);
      pending.followReply(answer);
      return pending.promise;
    }
    const context = new RequestContext({
      requestId,
      agentName: to,
      from,
      deadline,
      depth,
      traceId,
      spanId: requestId,
      parentSpanId: parent?.spanId,
      principal,
      cancellation,
      logger: this.logger,
      clock: this.clock,
    });
    let work: Promise<Message>;
    try {
      // Promise.resolve: a JavaScript middleware may answer with a plain message (a cache hit).
      work = Promise.resolve(this.#chain({ from, to, message, context, onProgress: options.onProgress }));
    } catch (error) {
      // A middleware that throws instead of rejecting still fails the call, never leaks it.
      work = Promise.reject(error);
    }
    if (!watched && isPlainPromise(work)) return work.then(this.#settledOk, this.#settledError);
    const pending = watched ? this.#pending(to, cancellation, deadline, parent, options.signal) : this.#unwatched(to, cancellation);
    pending.follow(work);
    return pending.promise;
  }

  /**
   * Watches a call that did not finish synchronously: its deadline, its parent's cancellation and
   * the caller's signal. Created after the work started, so calls answered at once never pay for it.
   */
  #pending(to: string, cancellation: Cancellation, deadline: number | undefined, parent: RequestContext | undefined, signal: AbortSignal | undefined): PendingCall {
    const pending = new PendingCall(to, cancellation, this.#scheduler, deadline, this.#doneHook);
    if (parent !== undefined) pending.linkParent(parent.cancellation);
    if (signal !== undefined) pending.linkSignal(signal);
    return pending;
  }

  /** A PendingCall for a call with nothing to watch: it only makes a foreign thenable settle the call once. */
  #unwatched(to: string, cancellation: Cancellation): PendingCall {
    return new PendingCall(to, cancellation, this.#scheduler, undefined, this.#doneHook);
  }

  readonly #doneHook = (): void => this.#done();

  readonly #onReply = (reply: ReplyEnvelope): Message => {
    this.#done();
    return unwrapReply(reply);
  };

  readonly #settledOk = (message: Message): Message => {
    this.#done();
    return message;
  };

  readonly #settledError = (error: unknown): never => {
    this.#done();
    throw error;
  };

  #done(): void {
    this.#inFlight--;
    if (this.#idle !== undefined) this.#checkIdle();
  }

  #request(envelope: RequestEnvelope, cancellation: Cancellation, onProgress: Call['onProgress']): ReplyEnvelope | Promise<ReplyEnvelope> {
    try {
      return this.transport.request(envelope, { cancellation, onProgress });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The innermost step of the middleware chain: hand the envelope to the transport, unwrap the reply. */
  #send(call: Call): Promise<Message> {
    const ctx = call.context;
    const envelope: RequestEnvelope = {
      id: ctx.requestId,
      to: call.to,
      from: call.from,
      message: call.message,
      deadline: ctx.deadline,
      depth: ctx.depth,
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      parentSpanId: ctx.parentSpanId,
      principal: ctx.principal,
    };
    const reply = this.#request(envelope, ctx.cancellation, call.onProgress);
    try {
      if (!isThenable(reply)) return reply.ok ? Promise.resolve(reply.message) : Promise.reject(replyError(reply));
    } catch (error) {
      // `next()` always returns a promise, whatever the transport answered.
      return Promise.reject(error);
    }
    // A middleware may have derived a context with an earlier deadline (a per-attempt timeout); a
    // PendingCall also turns whatever thenable the transport answered with into a safe promise.
    const derived = ctx.deadline !== undefined && !ctx.cancellation.watched;
    if (!derived && isPlainPromise(reply)) return reply.then(unwrapReply);
    const pending = new PendingCall(call.to, ctx.cancellation, this.#scheduler, derived ? ctx.deadline : undefined);
    // Also end the attempt at once when the call it belongs to is cancelled.
    if (derived) pending.linkParent(ctx.cancellation);
    pending.followReply(reply);
    return pending.promise;
  }

  publish(topic: string, input: Message | MessageInit, options: PublishOptions = {}): Promise<void> {
    if (this.#state === 'closed' || (this.#state === 'closing' && options.context === undefined)) return Promise.reject(closedError());
    try {
      assertTopic(topic, false);
      const message = assertValidMessage(toMessage(input), this.#maxBytes);
      return this.#events.publish(topic, message, options.from ?? options.context?.agentName, options.context?.traceId);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  subscribe(topic: string, subscriber: Subscriber, options: SubscribeOptions = {}): Subscription {
    if (this.#state !== 'open') throw closedError();
    assertTopic(topic, true);
    return this.#events.subscribe(topic, subscriber, options);
  }

  async discover(): Promise<AgentInfo[]> {
    return this.transport.discover === undefined ? this.registry.list() : this.transport.discover();
  }

  stats(): MeshStats {
    return {
      inFlight: this.#inFlight,
      serving: this.#server.count,
      pendingDeadlines: this.#scheduler.size,
      timerActive: this.#scheduler.holdsProcess,
      subscriptions: this.#events.subscriptionCount,
      events: this.#events.stats(),
    };
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    this.#server.closing = true;
    await new Promise<void>((resolve) => {
      this.#idle = resolve;
      this.#server.waiting = true;
      this.#checkIdle();
    });
    const agents = [...this.#serving.keys()].map((name) => this.registry.get(name)).filter((a) => a !== undefined);
    for (const agent of agents) {
      try {
        await agent.close();
      } catch (error) {
        this.logger.error({ err: error, agent: agent.name }, 'agent failed to close');
      }
    }
    await this.#events.close();
    await Promise.all([...this.#serving.keys()].map((name) => this.unregister(name)));
    this.#state = 'closed';
    if (this.#closeTransport) await this.transport.close();
  }

  #checkIdle(): void {
    if (this.#idle === undefined || this.#inFlight > 0 || this.#events.pending > 0) return;
    // A handler whose caller gave up (deadline, abort) was told to stop and nobody waits for its
    // answer, so close() does not wait for it either.
    if (!this.#server.drained()) return;
    const idle = this.#idle;
    this.#idle = undefined;
    this.#server.waiting = false;
    idle();
  }

}

/** A full message passes as is (validated next); text or a partial gets the missing parts. */
function toMessage(input: Message | MessageInit): Message {
  if (typeof input === 'string') return createMessage(input);
  if (typeof input !== 'object' || input === null) return input;
  return input.id === undefined || input.role === undefined || input.metadata === undefined ? createMessage(input) : (input as Message);
}

function unwrapReply(reply: ReplyEnvelope): Message {
  if (reply.ok) return reply.message;
  throw replyError(reply);
}

/**
 * A promise of the platform's own, with its own `then`: following it cannot throw or settle twice.
 * Anything else a transport or middleware answers with goes through a PendingCall.
 */
function isPlainPromise<T>(value: PromiseLike<T>): value is Promise<T> {
  return value instanceof Promise && Object.getPrototypeOf(value) === Promise.prototype && !Object.hasOwn(value, 'then');
}

function closedError(): MeshError {
  return MeshError.withoutStack('CLOSED', 'the mesh is closed');
}

function invalidTimeout(timeoutMs: unknown): MeshError {
  return new MeshError('INVALID_ARGUMENT', `timeoutMs must be a number of milliseconds >= 0 (or Infinity), got ${String(timeoutMs)}`);
}

function positive(value: number, name: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new MeshError('INVALID_ARGUMENT', `${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

