import {
  MeshError,
  type Agent,
  type InvokeOptions,
  type Mesh,
  type Message,
  type MessageInit,
  type RequestContext,
} from '@agentmesh/core';
import { ConcurrencyLimiter } from './limiter.js';
import { DEFAULT_ACQUIRE_TIMEOUT_MS, DEFAULT_MAX_WAITING, type AcquireOptions, type KeyStats } from './limiter-options.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Most calls in flight through one pool. */
export const DEFAULT_MAX_CONNECTIONS = 10;

/** Options for an {@link AgentConnectionPool}. */
export interface AgentConnectionPoolOptions {
  /** The mesh whose registry is looked up and through which calls go. */
  readonly mesh: Mesh;
  /** Most calls in flight at once, over all targets. @default DEFAULT_MAX_CONNECTIONS (10) */
  readonly maxConnections?: number;
  /** Most calls in flight to one target. @default Infinity (only `maxConnections` applies) */
  readonly maxPerTarget?: number;
  /** Most callers waiting for a slot; one more gets QUEUE_FULL at once. @default DEFAULT_MAX_WAITING (10 000) */
  readonly maxWaiting?: number;
  /** Longest wait for a slot before ACQUIRE_TIMEOUT; `Infinity` waits forever. @default DEFAULT_ACQUIRE_TIMEOUT_MS (30 s) */
  readonly acquireTimeoutMs?: number;
}

/** Options of one {@link AgentConnectionPool.invokeWithPool} beyond its context. */
export type PoolInvokeOptions = Omit<InvokeOptions, 'from' | 'context'>;

/** Counters of an {@link AgentConnectionPool}, as plain JSON. */
export interface PoolStats {
  /** Calls holding a slot now. */
  readonly inFlight: number;
  /** Callers waiting for a slot now. */
  readonly waiting: number;
  /** Most calls ever in flight at once. */
  readonly peakInFlight: number;
  readonly maxConnections: number;
  /** Targets with calls in flight or callers waiting. */
  readonly perTarget: Readonly<Record<string, KeyStats>>;
  readonly closed: boolean;
}

/**
 * Bounds the calls in flight, overall and per target, the way a connection pool bounds
 * connections. {@link AgentConnectionPool.invokeWithPool} holds its slot for the whole call (the
 * guide's pool guarded only the lookup, so it never limited anything), and
 * {@link AgentConnectionPool.getConnection} looks the agent up on every call, so an agent the
 * registry dropped is never handed out. Waiters are served first come, first served.
 */
export class AgentConnectionPool {
  /** The limiter behind the pool; share it with {@link concurrencyLimit} to bound other calls too. */
  readonly limiter: ConcurrencyLimiter;
  readonly #mesh: Mesh;

  constructor(options: AgentConnectionPoolOptions) {
    if (typeof options?.mesh?.invoke !== 'function') {
      throw new MeshError('INVALID_ARGUMENT', 'AgentConnectionPool needs options.mesh');
    }
    this.#mesh = options.mesh;
    this.limiter = new ConcurrencyLimiter({
      maxConcurrent: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      maxPerKey: options.maxPerTarget ?? Infinity,
      maxWaiting: options.maxWaiting ?? DEFAULT_MAX_WAITING,
      acquireTimeoutMs: options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
      clock: options.mesh.clock,
    });
  }

  /**
   * The agent registered under `name` right now. Nothing is cached: once unregistered, an agent is
   * never returned again (AGENT_NOT_FOUND), and a new agent under the same name is. Takes no slot:
   * use {@link AgentConnectionPool.invokeWithPool} to call it within the limits.
   */
  getConnection(name: string): Promise<Agent> {
    if (this.limiter.closed) return Promise.reject(MeshError.withoutStack('CLOSED', 'the connection pool is closed'));
    const agent = this.#mesh.registry.get(name);
    if (agent === undefined) {
      return Promise.reject(new MeshError('AGENT_NOT_FOUND', `no agent named "${name}" is registered`, { agent: name }));
    }
    return Promise.resolve(agent);
  }

  /**
   * Calls `to` once a slot is free and holds the slot until the call settles, reply or error.
   * Pass the handler's `ctx` so the call inherits its deadline and trace, and so the wait ends
   * when the request is cancelled. Rejects with QUEUE_FULL, ACQUIRE_TIMEOUT, CLOSED, or the call's
   * own error. `options.timeoutMs` counts from when the call starts, after the wait.
   */
  invokeWithPool(
    from: string | undefined,
    to: string,
    message: Message | MessageInit,
    ctx?: RequestContext,
    options?: PoolInvokeOptions,
  ): Promise<Message> {
    const invokeOptions: Mutable<InvokeOptions> = { ...options };
    const acquire: Mutable<AcquireOptions> = { key: to };
    if (from !== undefined) invokeOptions.from = from;
    if (ctx !== undefined) invokeOptions.context = acquire.context = ctx;
    if (options?.signal !== undefined) acquire.signal = options.signal;
    return this.limiter.run(() => this.#mesh.invoke(to, message, invokeOptions), acquire);
  }

  /** Current counters, as plain JSON. */
  stats(): PoolStats {
    const s = this.limiter.stats();
    return {
      inFlight: s.inFlight,
      waiting: s.waiting,
      peakInFlight: s.peakInFlight,
      maxConnections: s.maxConcurrent,
      perTarget: s.perKey,
      closed: s.closed,
    };
  }

  /** Rejects every waiter with CLOSED, refuses new calls, and resolves once calls in flight end. */
  close(): Promise<void> {
    return this.limiter.close();
  }
}
