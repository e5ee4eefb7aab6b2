import type { Clock } from '@agentmesh/core';
import type { HandshakeAccepted } from './types.js';

interface Session {
  readonly result: HandshakeAccepted;
  /** The versions offered when it was established: a different offer needs a new handshake. */
  readonly offered: string;
  readonly expiresAt: number;
}

/**
 * Established sessions per (initiator, peer) pair. Only accepted handshakes are kept; a hit must
 * match the offered versions and have every capability the new call requires, otherwise the
 * caller handshakes again. Expiry is checked on read, so the cache holds no timers.
 */
export class SessionCache {
  readonly #sessions = new Map<string, Session>();
  readonly #clock: Clock;
  readonly #ttlMs: number;

  constructor(clock: Clock, ttlMs: number) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  get size(): number {
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

  set(from: string, to: string, offered: readonly string[], result: HandshakeAccepted): void {
    this.#sessions.set(key(from, to), { result, offered: offered.join(','), expiresAt: this.#clock.now() + this.#ttlMs });
  }

  delete(from: string, to: string): boolean {
    return this.#sessions.delete(key(from, to));
  }

  clear(): void {
    this.#sessions.clear();
  }

  #live(k: string): Session | undefined {
    const session = this.#sessions.get(k);
    if (session === undefined) return undefined;
    if (this.#clock.now() < session.expiresAt) return session;
    this.#sessions.delete(k);
    return undefined;
  }
}

// Agent names cannot contain NUL, so the pair key is unambiguous.
function key(from: string, to: string): string {
  return `${from}\u0000${to}`;
}
