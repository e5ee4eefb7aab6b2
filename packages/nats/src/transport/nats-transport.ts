import { assertTopic, MeshError } from '@agentmesh/core';
import type { AgentInfo, Closable, EventEnvelope, EventHandler, ReplyEnvelope, RequestEnvelope, RequestHandler, RequestOptions, Transport, TransportSubscribeOptions } from '@agentmesh/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { discoverAgents } from '../discovery/discovery.js';
import { closedError, fromNatsError, transportError } from '../errors.js';
import { publishEvent } from '../events/publish.js';
import { Subscriptions } from '../events/subscriptions.js';
import { resolveOptions, type NatsTransportOptions, type ResolvedOptions } from '../options.js';
import { assertStreamName, isSubjectPath, Subjects } from '../subjects.js';
import { Serving } from './serving.js';
import type { NatsTransportStats } from './stats.js';
import { attachWire, releaseWire, type Wire } from './wire.js';

/**
 * The agentmesh transport over NATS: the same agents and calls run across processes and machines.
 * Agents serve on `<prefix>.agent.<name>` in a queue group per name (replicas share the load);
 * calls nobody serves fail AGENT_NOT_FOUND at once (NATS no-responders); events are subjects,
 * durable ones JetStream consumers. Reconnects are survived; close() drains. See the README.
 */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  readonly #o: ResolvedOptions;
  readonly #subjects: Subjects;
  readonly #ready: Promise<Wire>;
  readonly #serving: Serving;
  readonly #subscriptions: Subscriptions;
  #wire: Wire | undefined;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closed: Promise<void> | undefined;
  #connected = true;
  #lost: MeshError | undefined;

  constructor(options: NatsTransportOptions = {}) {
    this.#o = resolveOptions(options);
    this.#subjects = new Subjects(this.#o.prefix);
    this.#serving = new Serving(this.#o, this.#subjects);
    this.#subscriptions = new Subscriptions(this.#o, this.#subjects);
    this.#ready = attachWire(options, this.#o, this.#subjects, {
      disconnected: () => (this.#connected = false),
      reconnected: () => (this.#connected = true),
      closed: () => {
        this.#lost = transportError('the NATS connection closed and will not reconnect');
        this.#wire?.caller.failAll(this.#lost);
      },
      publishRefused: (subject) => this.#serving.publishRefused(subject),
    }).then(async (wire) => {
      this.#wire = wire;
      await this.#flush(wire);
      return wire;
    });
    this.#ready.catch(() => undefined);
  }

  /** Creates a transport and waits until it is connected (rejects TRANSPORT_ERROR if it cannot). */
  static async connect(options: NatsTransportOptions = {}): Promise<NatsTransport> {
    const transport = new NatsTransport(options);
    await transport.ready();
    return transport;
  }

  /** Resolves once connected and listening for replies; rejects TRANSPORT_ERROR if that failed. */
  async ready(): Promise<void> {
    await this.#ready;
  }

  /** The underlying nats.js connection, once connected. */
  get connection(): NatsConnection | undefined {
    return this.#wire?.nc;
  }

  async #flush(wire: Wire): Promise<void> {
    try {
      await wire.nc.flush();
    } catch (error) {
      throw fromNatsError(error, 'NATS flush');
    }
  }

  /** The wire for a new serve/subscribe/discover; CLOSED once close() started. */
  async #open(): Promise<Wire> {
    if (this.#state !== 'open') throw closedError();
    const wire = await this.#ready;
    if (this.#lost !== undefined) throw this.#lost;
    return wire;
  }

  /** Waits for the server to know about new subscriptions; on failure, undoes them. */
  async #settle(wire: Wire, closable: Closable): Promise<Closable> {
    try {
      await this.#flush(wire);
    } catch (error) {
      await closable.close();
      throw error;
    }
    return closable;
  }

  /** Serves `address` in its queue group; resolves once the server routes requests to it. */
  async serve(address: string, handler: RequestHandler, info: AgentInfo): Promise<Closable> {
    if (!isSubjectPath(address)) throw new MeshError('INVALID_ARGUMENT', `cannot serve ${JSON.stringify(address)}: not a valid agent address`);
    const wire = await this.#open();
    return this.#settle(wire, this.#serving.serve(wire, address, handler, info));
  }

  /** Sends a request; the promise settles with the reply or a typed error on every path. */
  request(envelope: RequestEnvelope, options: RequestOptions): Promise<ReplyEnvelope> {
    // Requests stay allowed while closing: handlers still running may need nested calls.
    if (this.#state === 'closed') return Promise.reject(closedError());
    if (this.#lost !== undefined) return Promise.reject(this.#lost);
    const wire = this.#wire;
    if (wire !== undefined) return wire.caller.request(envelope, options);
    return this.#ready.then((w) => w.caller.request(envelope, options));
  }

  /** Publishes an event (at-most-once); TRANSPORT_ERROR while disconnected rather than a silent drop. */
  publish(envelope: EventEnvelope): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(closedError());
    const wire = this.#wire;
    if (wire === undefined) return this.#ready.then(() => this.publish(envelope));
    if (this.#lost !== undefined) return Promise.reject(this.#lost);
    // nats.js drops what is published while disconnected; say so instead of losing it silently.
    if (!this.#connected) return Promise.reject(transportError(`the NATS connection is down; event on "${envelope.topic}" not sent`));
    return publishEvent(wire.nc, this.#subjects, envelope);
  }

  /** Subscribes (durably with `options.durable`); resolves once the server delivers to it. */
  async subscribe(topic: string, handler: EventHandler, options: TransportSubscribeOptions = {}): Promise<Closable> {
    assertTopic(topic, true);
    if (options.durable !== undefined) assertStreamName(options.durable, 'durable name');
    const wire = await this.#open();
    const closable = await this.#subscriptions.add(wire, topic, handler, options);
    if (this.#state !== 'open') {
      await closable.close();
      throw closedError();
    }
    return this.#settle(wire, closable);
  }

  /**
   * Which agents are reachable under this prefix, with their capabilities and replica counts: every
   * transport that serves agents answers a discovery request; answers are gathered until none came
   * for `discoverQuietMs` (at most `discoverMaxWaitMs`).
   */
  async discover(): Promise<AgentInfo[]> {
    const wire = await this.#open();
    return discoverAgents(wire.nc, this.#subjects.discover, { quietMs: this.#o.discoverQuietMs, maxWaitMs: this.#o.discoverMaxWaitMs }, this.#o.logger);
  }

  /** Counters for observability and leak checks. */
  stats(): NatsTransportStats {
    return {
      connected: this.#wire !== undefined && this.#connected && this.#lost === undefined,
      pendingRequests: this.#wire?.caller.pendingCount ?? 0,
      serving: this.#serving.activeCount,
      endpoints: this.#serving.endpointCount,
      subscriptions: this.#subscriptions.size,
    };
  }

  /**
   * Drains: stops taking requests and events, lets in-flight handlers and calls finish (each bounded
   * by `closeTimeoutMs`, then cancelled with a typed error), then drains or flushes the connection.
   * A given connection stays open unless `closeConnection` was set.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    const wire = await this.#ready.catch(() => undefined);
    if (wire === undefined) {
      this.#state = 'closed';
      return;
    }
    await this.#serving.drain();
    await this.#subscriptions.close();
    await wire.caller.close(this.#o.closeTimeoutMs);
    await wire.durable.close();
    this.#serving.stop();
    this.#state = 'closed';
    await releaseWire(wire, this.#o.logger, this.#o.closeTimeoutMs);
  }
}
