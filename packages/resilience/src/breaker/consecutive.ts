import type { Strategy, StrategySnapshot } from './strategy.js';

/** Opens after `threshold` failures in a row. */
export class ConsecutiveFailures implements Strategy {
  readonly slowCallDurationMs = undefined;
  readonly #threshold: number;
  #failures = 0;

  constructor(threshold: number) {
    this.#threshold = threshold;
  }

  record(failed: boolean): string | undefined {
    if (!failed) {
      this.#failures = 0;
      return undefined;
    }
    return ++this.#failures >= this.#threshold ? `${this.#failures} consecutive failures` : undefined;
  }

  reset(): void {
    this.#failures = 0;
  }

  snapshot(): StrategySnapshot {
    return { kind: 'consecutive', failures: this.#failures };
  }

  restore(snapshot: StrategySnapshot): void {
    if (snapshot.kind === 'consecutive' && Number.isSafeInteger(snapshot.failures) && snapshot.failures >= 0) {
      this.#failures = Math.min(snapshot.failures, this.#threshold - 1);
    }
  }
}
