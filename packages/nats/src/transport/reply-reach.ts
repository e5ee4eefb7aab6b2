import type { NatsConnection } from '@nats-io/transport-node';
import type { TransportLogger } from '../logger.js';

/** Caller inboxes remembered at most; past this the one known longest is forgotten. */
const MAX_INBOXES = 4096;
const EMPTY = new Uint8Array(0);

/**
 * Whether this transport may publish to the reply subjects of a caller's inbox that it only saw
 * inside a batch body. NATS permissions may forbid it (`allow_responses`, or publish rules that
 * leave callers' inboxes out), and NATS tells only by refusing a publish. So each caller inbox is
 * probed once, when it first announces that it reads batches: an empty message to
 * `<inbox>.probe` (no request has that token; the caller drops it). Batches from an inbox are
 * taken only once its probe came back clean; until then, or if NATS refused it, they are
 * declined and their requests come again one by one.
 */
export class ReplyReach {
  readonly #nc: NatsConnection;
  readonly #logger: TransportLogger;
  readonly #inboxes = new Map<string, 'probing' | 'reachable' | 'refused'>();

  constructor(nc: NatsConnection, logger: TransportLogger) {
    this.#nc = nc;
    this.#logger = logger;
  }

  /** True when replies may go to `<inbox>.<token>` subjects taken from a batch; probes the inbox if it is new. */
  reachable(inbox: string): boolean {
    const state = this.#inboxes.get(inbox);
    if (state === undefined) void this.#probe(inbox);
    return state === 'reachable';
  }

  /** NATS refused a publish to `subject`; true if that was a probe (an expected refusal). */
  refused(subject: string): boolean {
    const dot = subject.lastIndexOf('.');
    const inbox = subject.slice(0, dot);
    const state = this.#inboxes.get(inbox);
    if (state === undefined) return false;
    if (state !== 'refused') {
      this.#inboxes.set(inbox, 'refused');
      this.#logger.info({ inbox }, 'NATS does not let this transport answer requests batched from this inbox; they are declined');
    }
    return subject.slice(dot + 1) === 'probe';
  }

  async #probe(inbox: string): Promise<void> {
    if (this.#inboxes.size >= MAX_INBOXES) this.#inboxes.delete(this.#inboxes.keys().next().value!);
    this.#inboxes.set(inbox, 'probing');
    try {
      this.#nc.publish(`${inbox}.probe`, EMPTY);
      // NATS answers a refused publish before the flush's PONG; its status event reaches refused()
      // a moment later.
      await this.#nc.flush();
      await new Promise((resolve) => setImmediate(resolve));
    } catch (error) {
      this.#logger.debug({ err: error, inbox }, 'reply probe failed; asking again later');
      if (this.#inboxes.get(inbox) === 'probing') this.#inboxes.delete(inbox);
      return;
    }
    if (this.#inboxes.get(inbox) === 'probing') this.#inboxes.set(inbox, 'reachable');
  }
}
