import type { Logger } from 'pino';
import type { Agent, HandlerResult } from '../agent/agent.js';
import type { AgentInfo, AgentRegistry } from '../agent/registry.js';
import type { Clock } from '../context/clock.js';
import type { Principal, RequestContext } from '../context/request-context.js';
import type { JsonValue } from '../message/json.js';
import type { Message, MessageInit } from '../message/message.js';
import type { Transport } from '../transport/types.js';

/** Who may invoke whom: a predicate, or an allow-list `{ caller: [targets] }` where `*` is any. */
export type AccessPolicy =
  | ((from: string | undefined, to: string) => boolean)
  | Readonly<Record<string, readonly string[]>>;

/** Options for {@link createMesh}. */
export interface MeshOptions {
  /** @default a new InMemoryTransport */
  readonly transport?: Transport;
  /** Close the transport when the mesh closes. @default true */
  readonly closeTransport?: boolean;
  /** Structured logger. @default pino at level "silent" */
  readonly logger?: Logger;
  /** Timeout of a call that names none; `Infinity` for none. @default DEFAULT_TIMEOUT_MS (30 s) */
  readonly defaultTimeoutMs?: number;
  /** Longest chain of nested calls before MAX_DEPTH. @default DEFAULT_MAX_DEPTH (32) */
  readonly maxDepth?: number;
  /** Who may invoke whom. Checked before the target is looked up. @default everyone may call everyone */
  readonly access?: AccessPolicy;
  readonly limits?: {
    /** Largest message accepted, in UTF-8 bytes of its JSON form. @default 1 MiB */
    readonly maxMessageBytes?: number;
  };
  /** Time source (tests pass a fake one). @default systemClock */
  readonly clock?: Clock;
}

/** Options of one call. */
export interface InvokeOptions {
  /** The calling agent (defaults to the context's agent). */
  readonly from?: string;
  /** The caller's context: the call inherits its deadline, cancellation, depth and trace. */
  readonly context?: RequestContext;
  /** This call's budget; the deadline is the earlier of this and the context's. */
  readonly timeoutMs?: number;
  /** Aborting it cancels the call (CANCELLED) and the callee's `ctx.signal`. */
  readonly signal?: AbortSignal;
  /** Receives the callee's progress frames, in order, before the reply. */
  readonly onProgress?: (data: JsonValue) => void;
  readonly principal?: Principal;
}

/** One outgoing call as middleware sees it. Pass it (or a modified copy) to `next`. */
export interface Call {
  readonly from: string | undefined;
  readonly to: string;
  readonly message: Message;
  readonly context: RequestContext;
  readonly onProgress?: ((data: JsonValue) => void) | undefined;
}

/** Wraps outgoing calls; the first `use`d is the outermost. */
export type Middleware = (call: Call, next: (call: Call) => Promise<Message>) => Promise<Message>;

/** One incoming request as inbound middleware sees it, on the serving side. */
export interface InboundCall {
  readonly agent: Agent;
  readonly message: Message;
  readonly context: RequestContext;
}

/** Wraps incoming requests before the agent's handler (protocol handlers, auth, metrics). */
export type InboundMiddleware = (
  call: InboundCall,
  next: (call: InboundCall) => Promise<HandlerResult> | HandlerResult,
) => Promise<HandlerResult> | HandlerResult;

/** Facts about one delivered event. */
export interface EventInfo {
  readonly topic: string;
  readonly from: string | undefined;
  readonly traceId: string | undefined;
}

/** Handles published events; a throw is logged and counted, never breaks publish. */
export type Subscriber = (message: Message, event: EventInfo) => void | Promise<void>;

/** Options for {@link Mesh.subscribe}. */
export interface SubscribeOptions {
  /** Subscribers in one queue group share the events. */
  readonly queue?: string;
  /** Durable, at-least-once delivery under this name where the transport supports it. */
  readonly durable?: string;
}

/** A live subscription. */
export interface Subscription {
  readonly topic: string;
  /** Resolves once the transport delivers to it. */
  readonly ready: Promise<void>;
  unsubscribe(): Promise<void>;
}

/** Options for {@link Mesh.publish}. */
export interface PublishOptions {
  readonly from?: string;
  readonly context?: RequestContext;
}

/** Counters for observability and leak checks. */
export interface MeshStats {
  /** Calls started here that have not settled. */
  readonly inFlight: number;
  /** Requests being handled by this mesh's agents. */
  readonly serving: number;
  /** Deadlines being watched. */
  readonly pendingDeadlines: number;
  /** Whether a deadline timer keeps the process alive. */
  readonly timerActive: boolean;
  readonly subscriptions: number;
  readonly events: { readonly delivered: number; readonly failed: number; readonly pending: number };
}

/** The mesh: agents, calls, events and middleware over one transport. */
export interface Mesh {
  readonly registry: AgentRegistry;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Registers an agent and resolves once the transport serves it. AGENT_EXISTS for a taken name. */
  register(agent: Agent): Promise<void>;
  /** Stops serving and removes an agent; resolves whether it was registered. */
  unregister(name: string): Promise<boolean>;
  /** Calls an agent; rejects with a MeshError on any failure. */
  invoke(to: string, message: Message | MessageInit, options?: InvokeOptions): Promise<Message>;
  /**
   * `invoke` for layers built on the mesh that post-process every reply: returns the reply message
   * itself when the callee answered synchronously (in-process, no outgoing middleware), else the
   * same promise `invoke` would. Skipping the promise saves a microtask per call. Failures are
   * always a rejected promise (a native `Promise`, so `instanceof Promise` tells the cases apart).
   */
  invokeDirect(to: string, message: Message | MessageInit, options?: InvokeOptions): Message | Promise<Message>;
  /** Publishes an event to a topic. */
  publish(topic: string, message: Message | MessageInit, options?: PublishOptions): Promise<void>;
  /** Subscribes to a topic (`*` one token, final `>` the rest). */
  subscribe(topic: string, subscriber: Subscriber, options?: SubscribeOptions): Subscription;
  /** Adds outgoing middleware; the first added is the outermost. */
  use(middleware: Middleware): this;
  /** Adds inbound middleware around every local agent's handler. */
  useInbound(middleware: InboundMiddleware): this;
  /** Which agents are reachable: the transport's view when it has one, else the local registry. */
  discover(): Promise<AgentInfo[]>;
  stats(): MeshStats;
  /** Stops new top-level calls, drains in-flight work and events, closes agents and the transport. */
  close(): Promise<void>;
}
