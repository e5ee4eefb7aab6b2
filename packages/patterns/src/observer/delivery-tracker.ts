import { isThenable, type Mesh } from '@agentmesh/core';
import { callbackError, describeFailure, type FailureInfo } from '../internal/failure.js';
import type { DeliveryStats } from './types.js';

type Logger = Mesh['logger'];

/** Facts logged with a failed delivery. */
export interface DeliveryLabel {
  readonly source: string;
  readonly event: string;
  readonly observer: string;
}

/**
 * Counts deliveries and keeps the unsettled ones, so none is ever an unhandled rejection, every
 * failure is logged and counted, and {@link DeliveryTracker.drain} can wait for them.
 */
export class DeliveryTracker {
  readonly #inFlight = new Set<Promise<unknown>>();
  #delivered = 0;
  #failed = 0;

  stats(): DeliveryStats {
    return { delivered: this.#delivered, failed: this.#failed, inFlight: this.#inFlight.size };
  }

  /**
   * Runs one delivery; resolves with its failure (or undefined), never rejects. Only a throw or a
   * rejection fails it: an observer function may return anything (`(e) => list.push(e)` returns a
   * number), and whatever is not a thenable means it is done.
   */
  deliver(label: DeliveryLabel, logger: Logger, start: () => unknown): Promise<FailureInfo | undefined> {
    let work: unknown;
    try {
      work = start();
    } catch (error) {
      return Promise.resolve(this.#fail(label, logger, error));
    }
    if (!isThenable(work)) {
      this.#delivered++;
      return Promise.resolve(undefined);
    }
    // Promise.resolve: a foreign thenable (or one whose `then` throws) still settles here.
    const outcome = Promise.resolve(work).then(
      () => {
        this.#delivered++;
        return undefined;
      },
      (error: unknown) => this.#fail(label, logger, error),
    );
    this.track(outcome);
    return outcome;
  }

  /** Counts a delivery that failed before it could start. */
  failed(label: DeliveryLabel, logger: Logger, error: unknown): FailureInfo {
    return this.#fail(label, logger, error);
  }

  /** Keeps `work` until it settles (it must not reject). */
  track(work: Promise<unknown>): void {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  /** Resolves once nothing is in flight, including work started while draining. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #fail(label: DeliveryLabel, logger: Logger, thrown: unknown): FailureInfo {
    this.#failed++;
    const error = callbackError(thrown, `observer "${label.observer}"`);
    logger.error({ ...label, code: error.code, err: error }, 'observer delivery failed');
    return describeFailure(error);
  }
}
