/** What `NatsTransport.stats()` reports. */
export interface NatsTransportStats {
  /** Connected, not currently reconnecting, not lost for good. */
  readonly connected: boolean;
  /** Requests sent (or parked) by this transport and not answered yet. */
  readonly pendingRequests: number;
  /** Requests this transport's agents are handling (cancelled ones no longer count). */
  readonly serving: number;
  /** Agent addresses served. */
  readonly endpoints: number;
  /** Event subscriptions, plain and durable. */
  readonly subscriptions: number;
}
