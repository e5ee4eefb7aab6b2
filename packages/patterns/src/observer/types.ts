import type { AgentOptions, JsonValue, MeshErrorCode, Message } from '@agentmesh/core';

/** What a function observer receives: the event name, its data, who emitted it, and the message. */
export interface ObservedEvent {
  readonly event: string;
  readonly data: JsonValue;
  /** The observable agent's name. */
  readonly source: string;
  /** The event message itself (content = data; metadata.event, metadata.source). */
  readonly message: Message;
}

/**
 * A local observer. A returned promise is waited for; any other return value is ignored. A throw
 * or rejection counts as a failed delivery (logged, never unhandled).
 */
export type ObserverFunction = (event: ObservedEvent) => unknown;

/**
 * An observer: the name of an agent (invoked with the event message: content = data,
 * `metadata.event` = the event name) or a function in this process.
 */
export type Observer = string | ObserverFunction;

/** The outcome of one awaited delivery. */
export type ObserverOutcome =
  | { readonly observer: Observer; readonly status: 'delivered' }
  | { readonly observer: Observer; readonly status: 'failed'; readonly code: MeshErrorCode; readonly message: string; readonly retryable: boolean };

/** Counters of an observable agent's deliveries (both fire-and-forget and awaited). */
export interface DeliveryStats {
  readonly delivered: number;
  readonly failed: number;
  /** Deliveries started and not yet settled. */
  readonly inFlight: number;
}

/** Options for {@link ObservableAgent.notifyObservers}. */
export interface NotifyOptions {
  /**
   * Wait for every attached observer and return their outcomes. Awaited deliveries run under the
   * caller's context (deadline, cancellation, depth, trace).
   * @default false (publish and return; deliveries are tracked, see `deliveryStats()` and `drain()`)
   */
  readonly await?: boolean;
}

/** Options for an {@link ObservableAgent}. */
export interface ObservableAgentOptions extends AgentOptions {
  /** First token of the event topics. @default DEFAULT_OBSERVER_TOPIC_PREFIX ('observe') */
  readonly topicPrefix?: string;
  /** Budget of each delivery to an observer agent. @default the mesh's defaultTimeoutMs */
  readonly deliveryTimeoutMs?: number;
}
