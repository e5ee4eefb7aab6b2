import type { Transport } from '../transport/types.js';

/** How the conformance suite reaches the transport under test. */
export interface ConformanceHarness {
  /** A new endpoint on the shared network: one per mesh, as one per process would be. */
  connect(): Transport | Promise<Transport>;
  /** Tears the network down after each test. */
  close?(): Promise<void>;
  /**
   * Whether deadline tests may run on vitest's fake timers (in-process transports). Network
   * transports run them on real time with short budgets.
   * @default false
   */
  readonly fakeTime?: boolean;
  /** Calls in the leak test. @default 100_000 */
  readonly leakIterations?: number;
}
