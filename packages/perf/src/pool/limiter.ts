import { systemClock } from '@agentmesh/core';
import { KeyTable, type KeyState } from './key-table.js';
import { acquireTimeoutError, limiterClosedError, queueFullError, waitCancelledError } from './limiter-errors.js';
import type { AcquireOptions, ConcurrencyLimiterOptions, LimiterStats, Permit } from './limiter-options.js';
import { HeldTasks } from './held-task.js';
import { GrantedPermit } from './permit.js';
import { resolveLimiterOptions, type ResolvedLimiterOptions } from './resolve-limiter-options.js';
import { Waiter, type WaiterOwner } from './waiter.js';
import { WaitingLine } from './waiting-line.js';

/**
 * A FIFO counting semaphore with per-key sub-limits, a bounded waiting line, acquire timeouts and
 * cancellation. `run(fn)` holds its permit until `fn`'s promise settles, so the limit bounds the
 * work itself, not just its start. Waiters are served in arrival order; one whose key is at
 * `maxPerKey` lets later waiters for other keys go first rather than blocking the whole line.
 */
export class ConcurrencyLimiter {
  readonly #o: ResolvedLimiterOptions;
  readonly #line: WaitingLine;
  readonly #keys = new KeyTable();
  #inFlight = 0;
  #peak = 0;
  #pumping = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  readonly #owner: WaiterOwner = { abandon: (waiter, error) => this.#abandon(waiter, error) };
  readonly #tasks = new HeldTasks((keyState) => this.#release(keyState));

  constructor(options: ConcurrencyLimiterOptions = {}) {
    this.#o = resolveLimiterOptions(options);
    this.#line = new WaitingLine(options.clock ?? systemClock, this.#o.acquireTimeoutMs, (waiter) =>
      this.#abandon(waiter, acquireTimeoutError(this.#o.acquireTimeoutMs, waiter.keyState?.key)),
    );
  }

  /**
   * Runs `fn` once a permit is free and holds the permit until its result settles; resolves or
   * rejects with that result. Rejects without running `fn` with QUEUE_FULL, ACQUIRE_TIMEOUT,
   * CANCELLED (or the request's own reason) or CLOSED.
   */
  run<T>(fn: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    return this.#request(fn, options) as Promise<T>;
  }

  /** Waits for a permit (same rules as {@link ConcurrencyLimiter.run}); release it when the work ends. */
  acquire(options?: AcquireOptions): Promise<Permit> {
    return this.#request(undefined, options) as Promise<Permit>;
  }

  /** A permit if one is free right now and nobody waits, else undefined. Never waits. */
  tryAcquire(key?: string): Permit | undefined {
    if (this.#closed || this.#line.length > 0) return undefined;
    const keyState = key === undefined ? undefined : this.#keys.get(key);
    if (!this.#hasRoom(keyState)) return undefined;
    this.#take(keyState);
    return new GrantedPermit(this.#release, keyState);
  }

  #request(task: (() => unknown) | undefined, options: AcquireOptions | undefined): Promise<unknown> {
    if (this.#closed) return Promise.reject(limiterClosedError());
    const key = options?.key;
    // Checked before the fast path too: a caller that already gave up must not run, free slot or not.
    const cancelled = this.#cancelled(key, options);
    if (cancelled !== undefined) return Promise.reject(cancelled);
    const keyState = key === undefined ? undefined : this.#keys.get(key);
    // While permits are being handed out, waiters ahead may be eligible: a newcomer queues behind.
    if (this.#hasRoom(keyState) && (!this.#pumping || this.#line.length === 0)) {
      this.#take(keyState);
      return task === undefined ? Promise.resolve(new GrantedPermit(this.#release, keyState)) : this.#tasks.start(task, keyState);
    }
    if (this.#line.length >= this.#o.maxWaiting) return Promise.reject(queueFullError(this.#o.maxWaiting, key));
    let waiter!: Waiter;
    const promise = new Promise<unknown>((resolve, reject) => {
      waiter = new Waiter(this.#owner, task, keyState, resolve, reject);
    });
    if (keyState !== undefined) keyState.waiting++;
    this.#line.push(waiter);
    if (options?.signal !== undefined) waiter.watchSignal(options.signal);
    if (options?.context !== undefined) waiter.watchContext(options.context);
    return promise;
  }

  /** Why a caller who already gave up (aborted, or its request was cancelled) is refused, if so. */
  #cancelled(key: string | undefined, options: AcquireOptions | undefined): unknown {
    if (options === undefined) return undefined;
    if (options.signal?.aborted === true) return waitCancelledError(key, options.signal.reason);
    return options.context?.cancellation.reason;
  }

  #hasRoom(keyState: KeyState | undefined): boolean {
    return this.#inFlight < this.#o.maxConcurrent && (keyState === undefined || keyState.inFlight < this.#o.maxPerKey);
  }

  #take(keyState: KeyState | undefined): void {
    if (++this.#inFlight > this.#peak) this.#peak = this.#inFlight;
    if (keyState !== undefined) keyState.inFlight++;
  }

  readonly #release = (keyState: KeyState | undefined): void => {
    this.#inFlight--;
    if (keyState !== undefined) keyState.inFlight--;
    if (this.#line.length > 0) this.#pump();
    else if (this.#inFlight === 0 && this.#drained !== undefined) this.#drained();
  };

  /** Hands free permits to the first eligible waiters. A loop, so work that ends at once cannot recurse. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      let waiter: Waiter | undefined;
      while (this.#inFlight < this.#o.maxConcurrent && (waiter = this.#firstEligible()) !== undefined) {
        this.#unqueue(waiter);
        this.#take(waiter.keyState);
        if (waiter.task === undefined) waiter.resolve(new GrantedPermit(this.#release, waiter.keyState));
        else this.#tasks.startFor(waiter.task, waiter.keyState, waiter.resolve, waiter.reject);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** The oldest waiter whose key has room; O(waiters of full keys ahead of it). */
  #firstEligible(): Waiter | undefined {
    let waiter = this.#line.head;
    if (this.#o.maxPerKey === Infinity) return waiter;
    while (waiter?.keyState !== undefined && waiter.keyState.inFlight >= this.#o.maxPerKey) waiter = waiter.next;
    return waiter;
  }

  #unqueue(waiter: Waiter): void {
    this.#line.remove(waiter);
    waiter.detach();
    if (waiter.keyState !== undefined) waiter.keyState.waiting--;
  }

  /** A waiter leaves the line at once (abort, cancelled request, timeout) and rejects with `error`. */
  #abandon(waiter: Waiter, error: unknown): void {
    if (!waiter.queued) return;
    this.#unqueue(waiter);
    waiter.reject(error);
  }

  /** True once {@link ConcurrencyLimiter.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Current counters, as plain JSON. */
  stats(): LimiterStats {
    return {
      inFlight: this.#inFlight,
      waiting: this.#line.length,
      peakInFlight: this.#peak,
      maxConcurrent: this.#o.maxConcurrent,
      perKey: this.#keys.toJSON(),
      closed: this.#closed,
    };
  }

  /**
   * Rejects every waiter with CLOSED and refuses new callers; resolves once the permits out now
   * are released (work in flight finishes). Calling it again returns the same promise.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      let waiter: Waiter | undefined;
      while ((waiter = this.#line.head) !== undefined) this.#abandon(waiter, limiterClosedError());
    }
    return (this.#closing ??= this.#inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#drained = resolve)));
  }
}
