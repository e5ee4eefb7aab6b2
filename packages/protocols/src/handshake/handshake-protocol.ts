import type { Agent, Clock, InboundMiddleware, InvokeOptions, Mesh, RequestContext } from '@agentmesh/core';
import { invalidMessage } from '../shared/errors.js';
import { claimMesh } from '../shared/install.js';
import { invokeOptions } from '../shared/invoke-options.js';
import { assertTimeoutMs, nameOf } from '../shared/options.js';
import { answerHandshake } from './responder.js';
import { SessionCache } from './session-cache.js';
import type { AcceptHandshake, HandshakeAccepted, HandshakeResult } from './types.js';
import { assertVersions, negotiateVersion } from './version.js';
import { HANDSHAKE_PROTOCOL, handshakeRequest, isHandshakeRequest, parseHandshakeResponse } from './wire.js';

/** Versions a {@link HandshakeProtocol} speaks unless told otherwise. */
export const DEFAULT_HANDSHAKE_VERSIONS: readonly string[] = Object.freeze(['1.0']);
/** How long a handshake may take. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;
/** How long an established session stays cached: until invalidated. */
export const DEFAULT_SESSION_TTL_MS = Infinity;

/** Options for {@link HandshakeProtocol}. */
export interface HandshakeProtocolOptions {
  /** The `major.minor` versions this mesh's agents speak, offered and accepted. @default DEFAULT_HANDSHAKE_VERSIONS (['1.0']) */
  readonly versions?: readonly string[];
  /** Mesh-wide acceptance hook; agents can add their own `acceptHandshake`. @default accept every compatible offer */
  readonly accept?: AcceptHandshake;
  /** Budget of one handshake when the call names none. @default DEFAULT_HANDSHAKE_TIMEOUT_MS (5 s) */
  readonly timeoutMs?: number;
  /**
   * How long an accepted session is reused. A session with a local peer also ends when that agent
   * is unregistered (or replaced); a remote peer's lasts until it expires or is invalidated.
   * @default DEFAULT_SESSION_TTL_MS (Infinity: until invalidated)
   */
  readonly sessionTtlMs?: number;
  /** Time source for session expiry. @default mesh.clock */
  readonly clock?: Clock;
}

/** Options of one {@link HandshakeProtocol.initiateHandshake} call. */
export interface InitiateHandshakeOptions {
  /** Offer only this `major.minor` version. @default the protocol's `versions` */
  readonly version?: string;
  /** Capabilities the peer must have, or the handshake is refused naming the missing ones. @default [] */
  readonly require?: readonly string[];
  /** Handshake again even if a session is cached. @default false */
  readonly refresh?: boolean;
  /** @default the protocol's `timeoutMs` */
  readonly timeoutMs?: number;
  /** Aborting it fails the handshake with CANCELLED. @default none */
  readonly signal?: AbortSignal;
  /** The caller's context, when handshaking from inside a handler: inherits its deadline, depth and trace. @default none */
  readonly context?: RequestContext;
}

/**
 * The handshake: two agents agree to talk, on a version both speak, after checking each other's
 * capabilities. Constructing it installs inbound middleware on `mesh`, so every local agent (now
 * and later registered) answers handshakes without code of its own. Install it on every mesh
 * whose agents should answer: a mesh in another process answers only if it has one too.
 *
 * @example
 * const handshakes = new HandshakeProtocol(mesh, { versions: ['1.2', '2.0'] });
 * const session = await handshakes.initiateHandshake('planner', 'search', { require: ['web'] });
 * if (!session.accepted) throw new Error(session.reason);
 */
export class HandshakeProtocol {
  /** The mesh whose agents answer handshakes through this protocol. */
  readonly mesh: Mesh;
  /** The versions this mesh speaks. */
  readonly versions: readonly string[];
  readonly #accept: AcceptHandshake | undefined;
  readonly #timeoutMs: number;
  readonly #sessions: SessionCache;

  /** @throws MeshError INVALID_ARGUMENT for bad options or a second HandshakeProtocol on the same mesh. */
  constructor(mesh: Mesh, options: HandshakeProtocolOptions = {}) {
    this.versions = assertVersions(options.versions ?? DEFAULT_HANDSHAKE_VERSIONS, 'versions');
    this.#timeoutMs = assertTimeoutMs(options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, 'timeoutMs');
    const ttlMs = assertTimeoutMs(options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS, 'sessionTtlMs');
    this.#accept = options.accept;
    // A session made with a local agent holds only while that very instance serves the name.
    this.#sessions = new SessionCache(options.clock ?? mesh.clock, ttlMs, (name) => mesh.registry.get(name));
    this.mesh = mesh;
    claimMesh(mesh, HANDSHAKE_PROTOCOL);
    mesh.useInbound(this.#answer);
  }

  /**
   * Asks `to` to talk. Resolves `accepted: true` with the agreed version and the peer's
   * capabilities (and caches the session), or `accepted: false` with the reason. Rejects with a
   * MeshError when the call itself fails: AGENT_NOT_FOUND, TIMEOUT, CANCELLED, INVALID_MESSAGE
   * for a peer that does not speak the protocol, INVALID_ARGUMENT for bad options.
   */
  async initiateHandshake(from: Agent | string, to: string, options: InitiateHandshakeOptions = {}): Promise<HandshakeResult> {
    const fromName = nameOf(from);
    const offered = this.#offered(options.version);
    const require = Object.freeze([...new Set(options.require ?? [])]);
    if (options.refresh !== true) {
      const cached = this.#sessions.find(fromName, to, offered, require);
      if (cached !== undefined) return cached;
    }
    const timeoutMs = assertTimeoutMs(options.timeoutMs ?? this.#timeoutMs, 'timeoutMs');
    const pending = this.#sessions.begin(fromName, to);
    try {
      const result = await this.#handshake(from, to, offered, require, invokeOptions(fromName, timeoutMs, options.signal, options.context));
      if (result.accepted) this.#sessions.set(pending, offered, result);
      else this.#sessions.delete(fromName, to);
      return result;
    } finally {
      this.#sessions.end(pending);
    }
  }

  /** The cached session from `from` to `to`, if one is established, not expired and, for a local peer, still served by the same agent. */
  session(from: Agent | string, to: string): HandshakeAccepted | undefined {
    return this.#sessions.peek(nameOf(from), to);
  }

  /**
   * Drops the cached session from `from` to `to`; the next call handshakes again, and a handshake
   * of that pair now in flight caches nothing. True if one was cached.
   */
  invalidate(from: Agent | string, to: string): boolean {
    return this.#sessions.delete(nameOf(from), to);
  }

  /** Drops every cached session; handshakes now in flight cache nothing. */
  clear(): void {
    this.#sessions.clear();
  }

  /** Live sessions cached: expired ones, and ones whose local peer is gone or replaced, are not counted. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  readonly #answer: InboundMiddleware = (call, next) =>
    isHandshakeRequest(call.message) ? answerHandshake(call, { versions: this.versions, accept: this.#accept }) : next(call);

  /** One handshake on the wire, its answer checked against what was asked. */
  async #handshake(from: Agent | string, to: string, offered: readonly string[], require: readonly string[], invoke: InvokeOptions): Promise<HandshakeResult> {
    const request = handshakeRequest({ versions: offered, capabilities: this.#capabilitiesOf(from), require });
    const result = parseHandshakeResponse(await this.mesh.invoke(to, request, invoke), to);
    if (!result.accepted) return result;
    // Trust, but verify: an accepted answer must fit what was asked, whatever the peer's code.
    if (negotiateVersion([result.version], offered) !== result.version) {
      throw invalidMessage(`agent "${to}" accepted version ${result.version}, which was not offered (${offered.join(', ')})`, to);
    }
    const missing = require.filter((c) => !result.capabilities.includes(c));
    if (missing.length > 0) throw invalidMessage(`agent "${to}" accepted without the required capabilities ${missing.join(', ')}`, to);
    return result;
  }

  #offered(version: string | undefined): readonly string[] {
    return version === undefined ? this.versions : assertVersions([version], 'version');
  }

  #capabilitiesOf(from: Agent | string): readonly string[] {
    if (typeof from !== 'string') return from.getCapabilities();
    return this.mesh.registry.get(from)?.getCapabilities() ?? [];
  }
}
