import { cancelledError, MAX_TIMER_MS, type Clock, type TimerHandle } from '@agentmesh/core';
import { idleTimeout, replyTimeout } from './request-errors.js';
import type { PendingRequest } from './pending-request.js';

/** What the limits read of the request they watch. */
type RequestFacts = Pick<PendingRequest, 'id' | 'to' | 'type' | 'signal' | 'totalMs' | 'parent'>;

/**
 * The limits a pending request enforces itself, beyond what the mesh enforces on the call: the
 * idle budget of `resetTimeoutOnProgress` (cancelling the call through a signal it owns), and,
 * once the answer is deferred, the deadline, the caller's signal and the parent context. Built
 * only for requests that need it. `stop` clears every timer and listener.
 */
export class RequestLimits {
  readonly #clock: Clock;
  readonly #facts: RequestFacts;
  readonly #fail: (error: unknown) => void;
  #controller: AbortController | undefined;
  #idleTimer: TimerHandle = undefined;
  #lastActivity = 0;
  #deadlineTimer: TimerHandle = undefined;
  #listening = false;
  #unlinkParent: (() => void) | undefined;
  #stopped = false;

  constructor(clock: Clock, facts: RequestFacts, fail: (error: unknown) => void) {
    this.#clock = clock;
    this.#facts = facts;
    this.#fail = fail;
  }

  /** Starts the idle budget and watches the caller's signal; returns the signal the call must use. */
  startIdle(idleMs: number): AbortSignal {
    this.#controller = new AbortController();
    this.#lastActivity = this.#clock.now();
    this.#idleTimer = this.#clock.setTimeout(() => this.#onIdle(idleMs), Math.min(idleMs, MAX_TIMER_MS));
    this.#listen();
    return this.#controller.signal;
  }

  /** Progress arrived: the idle budget starts over. */
  touch(): void {
    this.#lastActivity = this.#clock.now();
  }

  /**
   * The call ended with a deferred acknowledgement: watch the deadline, the signal and the parent.
   * The acknowledgement echoes the deadline the mesh computed for the call (`echoed`), which is
   * exact and saves reading the clock on every request; it is only trusted up to the caller's
   * own budget counted from now, and the parent's deadline.
   */
  watchDeferred(echoed: unknown): void {
    const { totalMs, parent } = this.#facts;
    const now = this.#clock.now();
    let deadline = now + totalMs;
    if (typeof echoed === 'number' && echoed < deadline) deadline = echoed;
    if (parent?.deadline !== undefined && parent.deadline < deadline) deadline = parent.deadline;
    if (deadline !== Infinity) {
      if (deadline <= now) return this.#onDeadline(deadline);
      this.#deadlineTimer = this.#clock.setTimeout(() => this.#onDeadline(deadline), Math.min(deadline - now, MAX_TIMER_MS));
    }
    this.#listen();
    if (parent !== undefined && !this.#stopped) {
      const unlink = parent.cancellation.onCancel((reason) => this.#fail(reason));
      if (this.#stopped) unlink();
      else this.#unlinkParent = unlink;
    }
  }

  /** Cancels the running call, if we own its signal. */
  abortCall(reason: unknown): void {
    this.#controller?.abort(reason);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#idleTimer !== undefined) this.#clock.clearTimeout(this.#idleTimer);
    if (this.#deadlineTimer !== undefined) this.#clock.clearTimeout(this.#deadlineTimer);
    this.#idleTimer = this.#deadlineTimer = undefined;
    if (this.#listening) this.#facts.signal?.removeEventListener('abort', this);
    this.#listening = false;
    this.#unlinkParent?.();
    this.#unlinkParent = undefined;
  }

  /** @internal The caller's signal aborted. */
  handleEvent(): void {
    this.#fail(cancelledError(this.#facts.to, this.#facts.signal?.reason));
  }

  #listen(): void {
    const signal = this.#facts.signal;
    if (signal === undefined || this.#listening || this.#stopped) return;
    if (signal.aborted) return this.handleEvent();
    signal.addEventListener('abort', this);
    this.#listening = true;
  }

  #onIdle(idleMs: number): void {
    this.#idleTimer = undefined;
    const quietMs = this.#clock.now() - this.#lastActivity;
    // Progress only records the time; the timer catches up here, so chatty progress costs no timer churn.
    if (quietMs < idleMs) this.#idleTimer = this.#clock.setTimeout(() => this.#onIdle(idleMs), Math.min(idleMs - quietMs, MAX_TIMER_MS));
    else this.#fail(idleTimeout(this.#facts.type, this.#facts.to, this.#facts.id, idleMs));
  }

  #onDeadline(deadline: number): void {
    this.#deadlineTimer = undefined;
    // A deadline past the longest timer fires early: wait again for the rest.
    const left = deadline - this.#clock.now();
    if (left > 0) {
      this.#deadlineTimer = this.#clock.setTimeout(() => this.#onDeadline(deadline), Math.min(left, MAX_TIMER_MS));
      return;
    }
    this.#fail(replyTimeout(this.#facts.type, this.#facts.to, this.#facts.id, deadline));
  }
}
