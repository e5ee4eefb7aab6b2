import type { Clock, TimerHandle } from '@agentmesh/core';
import { LinkedList } from '../internal/linked-list.js';
import type { Waiter } from './waiter.js';

/**
 * The callers waiting for a permit, oldest first, with their acquire timeouts. Every wait lasts
 * the same `timeoutMs`, so deadlines grow along the line and the oldest waiter always expires
 * first: one timer, armed for the head, serves the whole line (no timer per waiter).
 */
export class WaitingLine {
  readonly #list = new LinkedList<Waiter>();
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #onExpired: (waiter: Waiter) => void;
  // TimerHandle is `unknown`: undefined means no timer is armed.
  #timer: TimerHandle = undefined;

  constructor(clock: Clock, timeoutMs: number, onExpired: (waiter: Waiter) => void) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#onExpired = onExpired;
  }

  /** The oldest waiter. */
  get head(): Waiter | undefined {
    return this.#list.head;
  }

  get length(): number {
    return this.#list.size;
  }

  push(waiter: Waiter): void {
    this.#list.push(waiter);
    if (this.#timeoutMs === Infinity) return;
    waiter.deadline = this.#clock.now() + this.#timeoutMs;
    if (this.#timer === undefined) this.#arm(waiter.deadline);
  }

  /** Takes a waiter out of the line, from anywhere in it. */
  remove(waiter: Waiter): void {
    this.#list.remove(waiter);
    waiter.queued = false;
    if (this.#list.size === 0 && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #arm(at: number): void {
    this.#timer = this.#clock.setTimeout(this.#expire, Math.max(0, at - this.#clock.now()));
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const now = this.#clock.now();
    let waiter: Waiter | undefined;
    // onExpired removes the waiter (and may clear a timer this callback no longer holds).
    while ((waiter = this.head) !== undefined && waiter.deadline <= now) this.#onExpired(waiter);
    if (waiter !== undefined && this.#timer === undefined) this.#arm(waiter.deadline);
  };
}
