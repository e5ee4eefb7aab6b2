import type { Clock, TimerHandle } from '@agentmesh/core';

const RESOLVED = Promise.resolve();

/**
 * The wait window of the batch being collected: one timer of `maxWaitMs` per batch (never one
 * per item), or with `maxWaitMs` 0 the end of the current tick, after the promise jobs already
 * queued and the nextTick queue (as DataLoader does), with no timer at all.
 */
export class BatchWindow {
  readonly #clock: Clock;
  readonly #maxWaitMs: number;
  readonly #onEnd: () => void;
  // TimerHandle is `unknown`: undefined means no timer is armed.
  #timer: TimerHandle = undefined;
  #tickArmed = false;

  constructor(clock: Clock, maxWaitMs: number, onEnd: () => void) {
    this.#clock = clock;
    this.#maxWaitMs = maxWaitMs;
    this.#onEnd = onEnd;
  }

  /** Opens the window of a new batch. */
  start(): void {
    if (this.#maxWaitMs > 0) {
      this.#timer = this.#clock.setTimeout(this.#timerFired, this.#maxWaitMs);
    } else if (!this.#tickArmed) {
      this.#tickArmed = true;
      void RESOLVED.then(this.#scheduleTickEnd);
    }
  }

  /**
   * Closes the window early (the batch was sealed or dropped). The end of a tick cannot be
   * unscheduled; it closes whatever batch is collecting then, which began in the same tick.
   */
  stop(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #timerFired = (): void => {
    this.#timer = undefined;
    this.#onEnd();
  };

  readonly #scheduleTickEnd = (): void => {
    process.nextTick(this.#tickEnded);
  };

  readonly #tickEnded = (): void => {
    this.#tickArmed = false;
    this.#onEnd();
  };
}
