import type { AgentInfo, Closable, RequestHandler } from '@agentmesh/core';
import { DiscoveryResponder } from '../discovery/discovery.js';
import { ServedAgents } from '../discovery/registry.js';
import type { ResolvedOptions } from '../options.js';
import type { Subjects } from '../subjects.js';
import { Endpoint } from './endpoint.js';
import { InstanceResponder } from './liveness.js';
import { ReplyReach } from './reply-reach.js';
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
  #reach: ReplyReach | undefined;
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
    const endpoint = new Endpoint({ nc: wire.nc, subjects: this.#subjects, address, handler, maxBytes: o.maxBytes, logger: o.logger, instance: wire.instance, acceptedAfterMs: o.acceptedNoticeAfterMs, maxCoalesced: o.maxCoalesced, reach: (this.#reach ??= new ReplyReach(wire.nc, o.logger)) });
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

  /** NATS refused a publish of this connection (permissions); true if it was expected (a reply probe). */
  publishRefused(subject: string): boolean {
    return this.#reach?.refused(subject) ?? false;
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
