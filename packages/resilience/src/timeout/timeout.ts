import { DeadlineScheduler, MeshError, systemClock, type Call, type Clock, type DeadlineEntry, type Message } from '@agentmesh/core';
import { abortReason, type AbortWatch, watchSignal } from '../internal/abort.js';
import { callNext, runWork } from '../internal/run.js';
import { positiveMs } from '../internal/validate.js';
import { definePolicy, type Policy, type Work } from '../policy/types.js';

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /** Time for standalone `execute` (middleware uses the call context's clock). @default systemClock */
  readonly clock?: Clock;
}

/**
 * Bounds each call (each attempt, when inside `retry`) to `timeoutMs`.
 *
 * As middleware it passes the inner chain a child context whose deadline is now + timeoutMs (never
 * later than the call's own): the mesh enforces that deadline for the attempt, failing it with
 * TIMEOUT and aborting the callee's `ctx.signal`, while the outer call can still retry. A call whose
 * deadline is already sooner passes through unchanged. Put it innermost, next to the transport:
 * middleware placed inside it that waits (queues, pools) must honour `ctx.deadline` itself.
 *
 * Standalone, `execute(fn, signal)` rejects with TIMEOUT at the deadline without waiting for `fn`,
 * and aborts the signal `fn` received.
 */
export function timeout(timeoutMs: number, options: TimeoutOptions = {}): Policy {
  positiveMs(timeoutMs, 'timeoutMs');
  const clock = options.clock ?? systemClock;
  let scheduler: DeadlineScheduler | undefined;
  const middleware = (call: Call, next: (call: Call) => Promise<Message>): Promise<Message> => {
    const ctx = call.context;
    const deadline = ctx.clock.now() + timeoutMs;
    if (ctx.deadline !== undefined && ctx.deadline <= deadline) return callNext(next, call);
    const context = ctx.child({ deadline });
    return callNext(next, { from: call.from, to: call.to, message: call.message, context, onProgress: call.onProgress });
  };
  const execute = <T>(work: Work<T>, signal?: AbortSignal): Promise<T> => {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal, 'timed work'));
    scheduler ??= new DeadlineScheduler(clock);
    return new TimedRun<T>(scheduler, clock.now() + timeoutMs, timeoutMs, watchSignal(signal, 'timed work')).run(work);
  };
  return definePolicy(middleware, execute);
}

/** One standalone run: settles with the work, or with TIMEOUT / the caller's abort, whichever is first. */
class TimedRun<T> {
  readonly #controller = new AbortController();
  readonly #scheduler: DeadlineScheduler;
  readonly #timeoutMs: number;
  readonly #entry: DeadlineEntry;
  readonly #unlisten: () => void;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;
  #done = false;

  constructor(scheduler: DeadlineScheduler, deadline: number, timeoutMs: number, abort: AbortWatch) {
    this.#scheduler = scheduler;
    this.#timeoutMs = timeoutMs;
    this.#entry = scheduler.schedule(deadline, this);
    this.#unlisten = abort.listen((reason) => this.#fail(reason));
  }

  run(work: Work<T>): Promise<T> {
    const promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    runWork(work, this.#controller.signal).then(
      (value) => {
        if (this.#finish()) this.#resolve(value);
      },
      (error: unknown) => {
        if (this.#finish()) this.#reject(error);
      },
    );
    return promise;
  }

  /** @internal DeadlineTarget */
  onDeadline(): void {
    this.#fail(MeshError.withoutStack('TIMEOUT', `work timed out after ${this.#timeoutMs} ms`, { details: { timeoutMs: this.#timeoutMs } }));
  }

  #fail(reason: MeshError): void {
    if (!this.#finish()) return;
    this.#controller.abort(reason);
    this.#reject(reason);
  }

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#scheduler.cancel(this.#entry);
    this.#unlisten();
    return true;
  }
}
