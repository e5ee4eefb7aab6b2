/**
 * Where a breaker stands: `closed` lets calls through and counts failures; `open` rejects them at
 * once with CIRCUIT_OPEN; `half-open` lets `halfOpenMaxCalls` probes through to decide; `isolated`
 * is held open by hand (`isolate()`) until released.
 */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/** What `on('stateChange', …)` listeners hear on every transition. */
export interface StateChangeEvent {
  /** The breaker's name (the target agent, for per-target breakers). */
  readonly name: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** Epoch ms of the transition. */
  readonly at: number;
  /** Why, in words: "5 consecutive failures", "probe failed: TIMEOUT", "reset"... */
  readonly reason: string;
  /** When opening: how long it stays open, in ms. */
  readonly openForMs?: number;
}

/** Events of a breaker and their payloads. */
export interface CircuitBreakerEvents {
  readonly stateChange: StateChangeEvent;
}
