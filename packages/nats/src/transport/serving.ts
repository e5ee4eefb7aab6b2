import type { AgentInfo, Closable, RequestHandler } from '@agentmesh/core';
import { DiscoveryResponder } from '../discovery/discovery.js';
import { ServedAgents } from '../discovery/registry.js';
import type { ResolvedOptions } from '../options.js';
import type { Subjects } from '../subjects.js';
import { Endpoint, type BatchAcceptance } from './endpoint.js';
import { InstanceResponder } from './liveness.js';
import type { Wire } from './wire.js';

/**
 * The agents one transport serves: their endpoints, the discovery listing, and the responders that
 * exist once something is served (discovery reports, liveness probes of this instance).
 */
export class Serving {
  readonly #o: ResolvedOptions;
  readonly #subjects: Subjects;
  readonly #endpoints = new Set<Endpoint>();
  readonly #served = new ServedAgents();
  readonly #batches: BatchAcceptance = { accepting: true };
  #responders: { discovery: DiscoveryResponder; instance: InstanceResponder } | undefined;

  constructor(options: ResolvedOptions, subjects: Subjects) {
    this.#o = options;
    this.#subjects = subjects;
  }

  get endpointCount(): number {
    return this.#endpoints.size;
  }

  /** Requests being handled across all endpoints. */
  get activeCount(): number {
    let active = 0;
    for (const endpoint of this.#endpoints) active += endpoint.activeCount;
    return active;
  }

  /** Starts serving `address`; the closable drains it (see Endpoint.close). */
  serve(wire: Wire, address: string, handler: RequestHandler, info: AgentInfo): Closable {
    const o = this.#o;
    const endpoint = new Endpoint({ nc: wire.nc, subjects: this.#subjects, address, handler, maxBytes: o.maxBytes, logger: o.logger, instance: wire.instance, acceptedAfterMs: o.acceptedNoticeAfterMs, maxCoalesced: o.maxCoalesced, batches: this.#batches });
    const unlist = this.#served.add(info);
    this.#endpoints.add(endpoint);
    this.#responders ??= {
      discovery: new DiscoveryResponder(wire.nc, this.#subjects.discover, this.#served, o.logger),
      instance: new InstanceResponder(wire.nc, this.#subjects.instance(wire.instance)),
    };
    return {
      close: async () => {
        if (!this.#endpoints.delete(endpoint)) return;
        unlist();
        await endpoint.close(o.closeTimeoutMs);
      },
    };
  }

  /**
   * NATS refused a publish of this connection (a permissions violation). Replies to members of a
   * batch go to reply subjects NATS never saw on a message, which permissions such as
   * `allow_responses` forbid: from now on batches of requests are declined (their callers send
   * the requests again one by one).
   */
  publishRefused(subject: string): void {
    if (!this.#batches.accepting) return;
    this.#batches.accepting = false;
    this.#o.logger.warn({ subject }, 'NATS refused a publish: batches of requests are declined from now on');
  }

  /** Leaves discovery, then drains every endpoint (bounded by closeTimeoutMs each). */
  async drain(): Promise<void> {
    await this.#responders?.discovery.close();
    const endpoints = [...this.#endpoints];
    this.#endpoints.clear();
    await Promise.all(endpoints.map((e) => e.close(this.#o.closeTimeoutMs)));
  }

  /** Stops answering liveness probes: last, once nothing of this instance is left to wait for. */
  stop(): void {
    this.#responders?.instance.close();
  }
}
