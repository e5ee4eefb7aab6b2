import { Agent, MeshError, assertAgentName, isThenable, type EventInfo, type RequestContext, type Mesh, type JsonValue, type Message, type Subscription } from '@agentmesh/core';
import type { FailureInfo } from '../internal/failure.js';
import { raceCancellation } from '../internal/race.js';
import { optionalTimeout } from '../internal/validate.js';
import { DeliveryTracker, type DeliveryLabel } from './delivery-tracker.js';
import { deliveryContext, eventMessage, isDirect, readObservedEvent } from './event-message.js';
import { DEFAULT_OBSERVER_TOPIC_PREFIX, observerTopic } from './topic.js';
import type { DeliveryStats, NotifyOptions, ObservableAgentOptions, Observer, ObserverOutcome } from './types.js';

interface Attachment {
  readonly observer: Observer;
  readonly label: string;
  subscription: Subscription | undefined;
  /** Why the subscription could not be set up; each event then counts as a failed delivery. */
  broken: unknown;
}

/**
 * An agent others can observe. `notifyObservers(event, data, ctx)` publishes the event on the mesh
 * topic `observe.<agent>.<event>` (see {@link observerTopic}), so any process on any transport
 * can subscribe to it. Attached observers are subscriptions of this agent's mesh: an observer
 * agent is invoked with the event message (content = data, `metadata.event`), an observer
 * function is called with `{ event, data, source, message }`. Replicas of one agent share a queue
 * group per observer agent, so each event reaches an observer agent once.
 *
 * Fire-and-forget deliveries are tracked: failures are logged and counted in `deliveryStats()`,
 * never unhandled rejections, and `drain()` waits for them. They keep the notifier's trace and
 * depth, but not its deadline or cancellation: the event has happened, and a delivery must not
 * be cut short because the request that reported it ended. With `{ await: true }` the attached
 * observers are called directly under the caller's context and their outcomes returned.
 */
export class ObservableAgent extends Agent {
  /** First token of this agent's event topics. */
  readonly topicPrefix: string;
  readonly #deliveryTimeoutMs: number | undefined;
  readonly #attachments = new Map<Observer, Attachment>();
  readonly #tracker = new DeliveryTracker();
  readonly #pendingReady = new Set<Promise<void>>();

  constructor(options: ObservableAgentOptions) {
    super(options);
    this.topicPrefix = options.topicPrefix ?? DEFAULT_OBSERVER_TOPIC_PREFIX;
    observerTopic(this.name, '>', this.topicPrefix);
    this.#deliveryTimeoutMs = optionalTimeout(options.deliveryTimeoutMs, 'deliveryTimeoutMs');
  }

  /** Attaches an observer; attaching one already attached changes nothing. Returns whether it was new. */
  attachObserver(observer: Observer): boolean {
    if (this.#attachments.has(observer)) return false;
    if (typeof observer === 'string') assertAgentName(observer);
    else if (typeof observer !== 'function') throw new MeshError('INVALID_ARGUMENT', 'an observer is an agent name or a function');
    const label = typeof observer === 'string' ? observer : observer.name || '(anonymous function)';
    const attachment: Attachment = { observer, label, subscription: undefined, broken: undefined };
    const mesh = this.mesh;
    if (mesh !== undefined) this.#subscribe(attachment, mesh);
    this.#attachments.set(observer, attachment);
    return true;
  }

  /** Detaches an observer: it receives no event published from now on. Returns whether it was attached. */
  detachObserver(observer: Observer): boolean {
    const attachment = this.#attachments.get(observer);
    if (attachment === undefined) return false;
    this.#attachments.delete(observer);
    this.#unsubscribe(attachment);
    return true;
  }

  /** The attached observers, in attach order. */
  get observers(): readonly Observer[] {
    return [...this.#attachments.keys()];
  }

  /**
   * Publishes `event` with its `data`. Resolves once published (fire-and-forget), or with `{ await:
   * true }` once every attached observer has it, with one outcome each (never rejecting for an
   * observer's failure). Rejects for a bad event name (INVALID_ARGUMENT), data that is not JSON
   * (INVALID_MESSAGE), an unregistered agent or a closed mesh.
   */
  notifyObservers(event: string, data: JsonValue, ctx?: RequestContext, options?: NotifyOptions & { readonly await?: false }): Promise<void>;
  notifyObservers(event: string, data: JsonValue, ctx: RequestContext | undefined, options: NotifyOptions & { readonly await: true }): Promise<ObserverOutcome[]>;
  notifyObservers(event: string, data: JsonValue, ctx?: RequestContext, options?: NotifyOptions): Promise<void | ObserverOutcome[]>;
  async notifyObservers(event: string, data: JsonValue, ctx?: RequestContext, options: NotifyOptions = {}): Promise<void | ObserverOutcome[]> {
    const mesh = this.mesh;
    if (mesh === undefined) throw new MeshError('INVALID_ARGUMENT', `agent "${this.name}" is not registered with a mesh`);
    const topic = observerTopic(this.name, event, this.topicPrefix);
    const direct = options.await === true;
    const message = eventMessage(event, data, this.name, ctx?.depth ?? 0, direct);
    // Attached observers must not miss an event because their subscription is still being set up.
    if (!direct && this.#pendingReady.size > 0) await Promise.all(this.#pendingReady);
    await mesh.publish(topic, message, ctx === undefined ? { from: this.name } : { from: this.name, context: ctx });
    if (!direct) {
      for (const attachment of this.#attachments.values()) {
        if (attachment.broken !== undefined) this.#tracker.failed(this.#label(attachment, event), mesh.logger, attachment.broken);
      }
      return;
    }
    return Promise.all([...this.#attachments.values()].map((attachment) => this.#deliverDirect(attachment, message, event, mesh, ctx)));
  }

  /** Delivery counters, for monitoring and tests. */
  deliveryStats(): DeliveryStats {
    return this.#tracker.stats();
  }

  /** Resolves once every delivery and unsubscription in flight has settled. */
  drain(): Promise<void> {
    return this.#tracker.drain();
  }

  /** @internal Subscribes attached observers on register, unsubscribes them on unregister. */
  override attachTo(mesh: Mesh | undefined): void {
    super.attachTo(mesh);
    for (const attachment of this.#attachments.values()) {
      if (mesh === undefined) this.#unsubscribe(attachment);
      else this.#subscribe(attachment, mesh);
    }
  }

  /** Waits for deliveries in flight when the mesh closes. */
  override close(): Promise<void> {
    return this.drain();
  }

  #subscribe(attachment: Attachment, mesh: Mesh): void {
    const { observer } = attachment;
    const topic = observerTopic(this.name, '>', this.topicPrefix);
    const options = typeof observer === 'string' ? { queue: `${this.topicPrefix}:${this.name}:${observer}` } : {};
    const subscription = mesh.subscribe(topic, (message, info) => this.#onEvent(attachment, message, info, mesh), options);
    attachment.subscription = subscription;
    attachment.broken = undefined;
    const ready = subscription.ready.then(
      () => undefined,
      (error: unknown) => {
        attachment.broken = error;
      },
    );
    this.#pendingReady.add(ready);
    void ready.finally(() => this.#pendingReady.delete(ready));
  }

  #unsubscribe(attachment: Attachment): void {
    const subscription = attachment.subscription;
    attachment.subscription = undefined;
    if (subscription === undefined) return;
    this.#tracker.track(
      subscription.unsubscribe().catch((error: unknown) => this.mesh?.logger.warn({ err: error, observer: attachment.label }, 'unsubscribe failed')),
    );
  }

  /** A fire-and-forget delivery, run by the attached observer's subscription. */
  #onEvent(attachment: Attachment, message: Message, info: EventInfo, mesh: Mesh): Promise<void> | undefined {
    if (isDirect(message) || this.#attachments.get(attachment.observer) !== attachment) return undefined;
    // Only this agent's own events: a stranger publishing on the topic must not make this agent
    // call its observers in its name.
    if (info.from !== this.name || message.metadata['source'] !== this.name) {
      mesh.logger.warn({ topic: info.topic, from: info.from, observer: attachment.label }, 'ignored an event not published by the observable agent');
      return undefined;
    }
    const event = readObservedEvent(message);
    const label = this.#label(attachment, event.event);
    const { observer } = attachment;
    if (typeof observer === 'function') return this.#tracker.deliver(label, mesh.logger, () => observer(event)).then(() => undefined);
    const context = deliveryContext(message, info, this.name, mesh);
    return this.#tracker.deliver(label, mesh.logger, () => this.#invoke(mesh, observer, message, context)).then(() => undefined);
  }

  async #deliverDirect(attachment: Attachment, message: Message, event: string, mesh: Mesh, ctx: RequestContext | undefined): Promise<ObserverOutcome> {
    const { observer } = attachment;
    const logger = ctx?.logger ?? mesh.logger;
    const label = this.#label(attachment, event);
    let failure: FailureInfo | undefined;
    if (typeof observer === 'string') {
      failure = await this.#tracker.deliver(label, logger, () => this.#invoke(mesh, observer, message, ctx));
    } else {
      const observed = readObservedEvent(message);
      failure = await this.#tracker.deliver(label, logger, () => {
        const work: unknown = observer(observed);
        // Only pending work can be cut short by the caller's cancellation; any other result is done.
        return !isThenable(work) || ctx === undefined ? work : raceCancellation(Promise.resolve(work), ctx.cancellation);
      });
    }
    if (failure === undefined) return { observer, status: 'delivered' };
    return { observer, status: 'failed', code: failure.code, message: failure.message, retryable: failure.retryable };
  }

  async #invoke(mesh: Mesh, observer: string, message: Message, context: RequestContext | undefined): Promise<void> {
    const timeout = this.#deliveryTimeoutMs === undefined ? {} : { timeoutMs: this.#deliveryTimeoutMs };
    await mesh.invoke(observer, message, context === undefined ? { from: this.name, ...timeout } : { from: this.name, context, ...timeout });
  }

  #label(attachment: Attachment, event: string): DeliveryLabel {
    return { source: this.name, event, observer: attachment.label };
  }
}
