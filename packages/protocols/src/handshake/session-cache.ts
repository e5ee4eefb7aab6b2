import type { Clock } from '@agentmesh/core';
import type { HandshakeAccepted } from './types.js';

/**
 * The agent instance that serves `name` in this mesh right now, or undefined when the name is not
 * served locally (a remote peer, or nobody).
 */
export type LocalPeerLookup = (name: string) => object | undefined;

interface Session {
  readonly result: HandshakeAccepted;
  /** The peer name the session was made with (the pair key's second half). */
  readonly to: string;
  /** The versions offered when it was established: a different offer needs a new handshake. */
  readonly offered: string;
  /**
   * The local agent instance that answered, or undefined for a remote peer. A session says what
   * that instance agreed to: once the name is unregistered or served by another instance, it
   * says nothing about the new one.
   */
  readonly servedBy: object | undefined;
  readonly expiresAt: number;
}

/**
 * A handshake in flight, from {@link SessionCache.begin}. It remembers what the cache looked like
 * when the handshake started, so a session that was cleared or invalidated meanwhile is not
 * stored when the handshake completes.
 */
export interface PendingHandshake {
  readonly from: string;
  readonly to: string;
  readonly servedBy: object | undefined;
  readonly generation: number;
  readonly pairGeneration: number;
}

/** Handshakes in flight for one pair, and how often the pair was invalidated while they ran. */
interface InFlight {
  count: number;
  generation: number;
}

/** The cache sweeps no earlier than at this many sessions, so small caches never pay for it. */
const MIN_SWEEP_SIZE = 64;

/**
 * Established sessions per (initiator, peer) pair. Only accepted handshakes are kept; a hit must
 * match the offered versions, have every capability the new call requires and, for a peer served
 * locally, still be served by the same agent instance; otherwise the caller handshakes again.
 * Expiry is checked on read and swept on write, so the cache holds no timers and stays bounded
 * by the live sessions.
 */
export class SessionCache {
  readonly #sessions = new Map<string, Session>();
  readonly #inFlight = new Map<string, InFlight>();
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #localPeer: LocalPeerLookup;
  /** Bumped by clear(): handshakes that started before it store nothing. */
  #generation = 0;
  /** The size at which the next write sweeps; doubling it keeps sweeping amortized O(1) per write. */
  #sweepAt = MIN_SWEEP_SIZE;

  constructor(clock: Clock, ttlMs: number, localPeer: LocalPeerLookup) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
    this.#localPeer = localPeer;
  }

  /** Live sessions. Counting sweeps out the stale ones first, so it costs O(sessions). */
  get size(): number {
    this.#sweep();
    return this.#sessions.size;
  }

  /** The live session of a pair, whatever was offered. */
  peek(from: string, to: string): HandshakeAccepted | undefined {
    return this.#live(key(from, to))?.result;
  }

  /** The live session of a pair that fits this offer and these requirements. */
  find(from: string, to: string, offered: readonly string[], require: readonly string[]): HandshakeAccepted | undefined {
    const session = this.#live(key(from, to));
    if (session === undefined || session.offered !== offered.join(',')) return undefined;
    return require.every((c) => session.result.capabilities.includes(c)) ? session.result : undefined;
  }

  /** Marks a handshake as started; pass the result to {@link end} once it settled, whatever the outcome. */
  begin(from: string, to: string): PendingHandshake {
    const k = key(from, to);
    let inFlight = this.#inFlight.get(k);
    if (inFlight === undefined) {
      inFlight = { count: 0, generation: 0 };
      this.#inFlight.set(k, inFlight);
    }
    inFlight.count += 1;
    return { from, to, servedBy: this.#localPeer(to), generation: this.#generation, pairGeneration: inFlight.generation };
  }

  /**
   * Stores the session a handshake established, unless it went stale while in flight: the cache
   * was cleared, the pair invalidated, or the peer name is now served by another instance (or
   * gone). Returns whether it was stored.
   */
  set(pending: PendingHandshake, offered: readonly string[], result: HandshakeAccepted): boolean {
    const k = key(pending.from, pending.to);
    const stale =
      pending.generation !== this.#generation ||
      pending.pairGeneration !== this.#inFlight.get(k)?.generation ||
      pending.servedBy !== this.#localPeer(pending.to);
    if (stale) return false;
    this.#sessions.set(k, { result, to: pending.to, offered: offered.join(','), servedBy: pending.servedBy, expiresAt: this.#clock.now() + this.#ttlMs });
    this.#maybeSweep();
    return true;
  }

  /** Ends a handshake from {@link begin}; the pair's in-flight record goes with its last handshake. */
  end(pending: PendingHandshake): void {
    const k = key(pending.from, pending.to);
    const inFlight = this.#inFlight.get(k);
    if (inFlight === undefined) return;
    inFlight.count -= 1;
    if (inFlight.count <= 0) this.#inFlight.delete(k);
  }

  /** Drops a pair's session, and keeps the handshakes of that pair now in flight from storing one. */
  delete(from: string, to: string): boolean {
    const k = key(from, to);
    const inFlight = this.#inFlight.get(k);
    if (inFlight !== undefined) inFlight.generation += 1;
    return this.#sessions.delete(k);
  }

  /** Drops every session, and keeps every handshake now in flight from storing one. */
  clear(): void {
    this.#generation += 1;
    this.#sessions.clear();
    this.#sweepAt = MIN_SWEEP_SIZE;
  }

  #live(k: string): Session | undefined {
    const session = this.#sessions.get(k);
    if (session === undefined) return undefined;
    if (this.#isLive(session, this.#clock.now())) return session;
    this.#sessions.delete(k);
    return undefined;
  }

  #isLive(session: Session, now: number): boolean {
    return now < session.expiresAt && this.#localPeer(session.to) === session.servedBy;
  }

  /** Short-lived peers would otherwise leave their sessions behind forever: nobody reads them again. */
  #maybeSweep(): void {
    if (this.#sessions.size < this.#sweepAt) return;
    this.#sweep();
    this.#sweepAt = Math.max(MIN_SWEEP_SIZE, 2 * this.#sessions.size);
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [k, session] of this.#sessions) {
      if (!this.#isLive(session, now)) this.#sessions.delete(k);
    }
  }
}

// Agent names cannot contain NUL, so the pair key is unambiguous.
function key(from: string, to: string): string {
  return `${from}\u0000${to}`;
}
