import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { isNoRespondersError } from '../errors.js';
import type { TransportLogger } from '../logger.js';
import { isSubjectPath, type Subjects } from '../subjects.js';

/** Something waiting on a serving instance. */
export interface Watched {
  instance: string | undefined;
}

/** What a {@link ReplicaWatch} needs. */
export interface ReplicaWatchOptions<T extends Watched> {
  readonly nc: NatsConnection;
  readonly subjects: Subjects;
  readonly intervalMs: number;
  readonly logger: TransportLogger;
  /** The instance is gone: these can never be answered. */
  readonly lost: (waiting: T[], instance: string) => void;
}

/**
 * Notices a serving replica that died while requests were running on it (a killed process never
 * answers, and its callers would otherwise wait for their deadlines). Long-running requests are
 * announced by their replica with its instance id; every `intervalMs` while such requests are
 * pending, each instance involved is probed with a request to its own subject. "No responders" is
 * definitive (its connection, and with it the subscription, is gone), so only that fails the
 * requests; a slow answer does not, since a busy replica is not a dead one.
 */
export class ReplicaWatch<T extends Watched> {
  readonly #o: ReplicaWatchOptions<T>;
  readonly #byInstance = new Map<string, Set<T>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #checking = false;

  constructor(options: ReplicaWatchOptions<T>) {
    this.#o = options;
  }

  /** `item` runs on `instance` (a valid id; anything else is ignored). */
  track(item: T, instance: string): void {
    if (item.instance === instance || !isSubjectPath(instance) || instance.includes('.')) return;
    this.untrack(item);
    item.instance = instance;
    let waiting = this.#byInstance.get(instance);
    if (waiting === undefined) this.#byInstance.set(instance, (waiting = new Set()));
    waiting.add(item);
    if (!this.#checking) this.#timer ??= setTimeout(this.#check, this.#o.intervalMs).unref();
  }

  untrack(item: T): void {
    const instance = item.instance;
    if (instance === undefined) return;
    item.instance = undefined;
    const waiting = this.#byInstance.get(instance);
    waiting?.delete(item);
    if (waiting?.size === 0) this.#byInstance.delete(instance);
    if (this.#byInstance.size === 0) this.stop();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #check = (): void => {
    this.#timer = undefined;
    this.#checking = true;
    void Promise.all([...this.#byInstance.keys()].map(async (instance) => {
      if (await this.#alive(instance)) return;
      const waiting = [...(this.#byInstance.get(instance) ?? [])];
      this.#o.logger.warn({ instance, requests: waiting.length }, 'a serving replica is gone; failing its requests');
      for (const item of waiting) this.untrack(item);
      this.#o.lost(waiting, instance);
    })).finally(() => {
      this.#checking = false;
      if (this.#byInstance.size > 0) this.#timer ??= setTimeout(this.#check, this.#o.intervalMs).unref();
    });
  };

  async #alive(instance: string): Promise<boolean> {
    try {
      await this.#o.nc.request(this.#o.subjects.instance(instance), '', { timeout: Math.max(1_000, this.#o.intervalMs) });
      return true;
    } catch (error) {
      return !isNoRespondersError(error);
    }
  }
}

/** Answers liveness probes for one transport instance. */
export class InstanceResponder {
  readonly #sub: Subscription;

  constructor(nc: NatsConnection, subject: string) {
    this.#sub = nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error !== null) return;
        try {
          msg.respond();
        } catch {
          // The connection is closing: the prober learns it another way. Nothing may escape into
          // nats.js's reader, which would stop delivering messages.
        }
      },
    });
  }

  close(): void {
    this.#sub.unsubscribe();
  }
}
