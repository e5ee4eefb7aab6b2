import { MeshError, type Cancellation } from '@agentmesh/core';
import { noop, type AbortWatch } from '../internal/abort.js';
import type { BreakerCore } from './core.js';

/**
 * A call admitted while closed that needs more than the shared handlers: it is timed (slow-call
 * tracking), and/or watched so that a call abandoned at its deadline counts as a TIMEOUT failure
 * even when its work never settles (a hung callee must not go uncounted). Reports at most once.
 */
export class TrackedCall {
  readonly #core: BreakerCore;
  readonly #startedAt: number;
  #unlisten: () => void = noop;
  #done = false;

  constructor(core: BreakerCore, cancellation: Cancellation | undefined) {
    this.#core = core;
    this.#startedAt = core.timed ? core.o.clock.now() : 0;
    if (cancellation !== undefined) this.#unlisten = cancellation.onCancel((reason) => this.#end(reason, true));
  }

  follow<T>(work: Promise<T>): Promise<T> {
    return work.then(
      (value) => {
        this.#end(undefined, false);
        return value;
      },
      (error: unknown) => {
        this.#end(error, true);
        throw error;
      },
    );
  }

  #end(error: unknown, failed: boolean): void {
    if (this.#done) return;
    this.#done = true;
    this.#unlisten();
    const core = this.#core;
    const slowMs = core.strategy.slowCallDurationMs;
    const slow = slowMs !== undefined && core.o.clock.now() - this.#startedAt >= slowMs;
    if (!failed) core.closedOutcome(false, slow);
    else if (core.isFailure(error)) core.closedOutcome(true, slow);
  }
}

/**
 * One half-open probe. It reports its outcome with its generation; a probe still running after
 * halfOpenTimeoutMs counts as failed; a probe whose caller cancels is neutral and frees its slot.
 * Either way `stop` is told, to abort the probe's work. Its timer and listener are removed on every
 * path.
 */
export class ProbeRun {
  readonly #core: BreakerCore;
  readonly #generation: number;
  readonly #timer: unknown;
  #unlisten: () => void = noop;
  readonly #stop: ((reason: MeshError) => void) | undefined;
  #done = false;

  constructor(core: BreakerCore, generation: number, abort: AbortWatch, stop?: (reason: MeshError) => void) {
    this.#core = core;
    this.#generation = generation;
    this.#stop = stop;
    const ms = core.o.halfOpenTimeoutMs;
    this.#timer = core.o.clock.setTimeout(() => this.#hung(ms), ms);
    this.#unlisten = abort.listen((reason) => {
      if (!this.#finish()) return;
      core.probeFailed(generation, reason);
      this.#stop?.(reason);
    });
  }

  follow<T>(work: Promise<T>): Promise<T> {
    return work.then(
      (value) => {
        if (this.#finish()) this.#core.probeSucceeded(this.#generation);
        return value;
      },
      (error: unknown) => {
        if (this.#finish()) this.#core.probeFailed(this.#generation, error);
        throw error;
      },
    );
  }

  #hung(ms: number): void {
    if (!this.#finish()) return;
    this.#core.probeHung(this.#generation);
    this.#stop?.(MeshError.withoutStack('TIMEOUT', `probe of circuit "${this.#core.o.name}" still running after ${ms} ms`));
  }

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#core.o.clock.clearTimeout(this.#timer);
    this.#unlisten();
    return true;
  }
}
