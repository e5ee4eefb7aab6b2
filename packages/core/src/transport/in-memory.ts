import { Cancellation } from '../context/cancellation.js';
import { MeshError } from '../errors/mesh-error.js';
import type { AgentInfo } from '../agent/registry.js';
import type { JsonValue } from '../message/json.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../message/validate.js';
import { parseEventEnvelope, parseReplyEnvelope, parseRequestEnvelope } from './envelope.js';
import { hasWildcard, topicMatches } from './topic.js';
import type {
  Closable,
  EventEnvelope,
  EventHandler,
  ReplyEnvelope,
  RequestEnvelope,
  RequestHandler,
  RequestOptions,
  Transport,
  TransportSubscribeOptions,
} from './types.js';

/** Options for {@link InMemoryTransport}. */
export interface InMemoryTransportOptions {
  /**
   * Round-trip every envelope, progress frame and event through JSON and the ingress validators,
   * exactly as a network transport would. Slower; use it in tests to prove code is network-ready.
   * @default false
   */
  readonly serialize?: boolean;
  /** Ingress limit in serialize mode. @default DEFAULT_MAX_MESSAGE_BYTES (1 MiB) */
  readonly maxMessageBytes?: number;
}

interface Server {
  readonly handlers: RequestHandler[];
  readonly infos: AgentInfo[];
  next: number;
}

interface Sub {
  readonly pattern: string;
  readonly handler: EventHandler;
  readonly queue: string | undefined;
  /** False once closed: a delivery already under way skips it. */
  active: boolean;
}

/**
 * The embedded transport: calls are direct function calls, events are delivered synchronously. One
 * instance may be shared by several meshes (like processes on one broker): servers of the same
 * address are load-balanced round-robin and queue groups share events.
 */
export class InMemoryTransport implements Transport {
  readonly name = 'in-memory';
  readonly #serialize: boolean;
  readonly #maxBytes: number;
  readonly #servers = new Map<string, Server>();
  readonly #exact = new Map<string, Set<Sub>>();
  readonly #wild = new Set<Sub>();
  readonly #queueTurn = new Map<string, number>();
  #closed = false;

  constructor(options: InMemoryTransportOptions = {}) {
    this.#serialize = options.serialize ?? false;
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  serve(address: string, handler: RequestHandler, info: AgentInfo): Promise<Closable> {
    if (this.#closed) return Promise.reject(closed());
    let server = this.#servers.get(address);
    if (server === undefined) {
      server = { handlers: [], infos: [], next: 0 };
      this.#servers.set(address, server);
    }
    server.handlers.push(handler);
    server.infos.push(info);
    const owner = server;
    return Promise.resolve({
      close: () => {
        const i = owner.handlers.indexOf(handler);
        if (i >= 0) {
          owner.handlers.splice(i, 1);
          owner.infos.splice(i, 1);
        }
        if (owner.handlers.length === 0 && this.#servers.get(address) === owner) this.#servers.delete(address);
        return Promise.resolve();
      },
    });
  }

  request(envelope: RequestEnvelope, options: RequestOptions): ReplyEnvelope | Promise<ReplyEnvelope> {
    if (this.#closed) return Promise.reject(closed());
    const server = this.#servers.get(envelope.to);
    if (server === undefined) {
      return Promise.reject(
        MeshError.withoutStack('AGENT_NOT_FOUND', `no agent named "${envelope.to}" is reachable`, { agent: envelope.to }),
      );
    }
    const handler = server.handlers.length === 1 ? server.handlers[0]! : server.handlers[server.next++ % server.handlers.length]!;
    if (!this.#serialize) {
      return handler(envelope, { cancellation: options.cancellation, progress: options.onProgress, remote: false });
    }
    return this.#requestOverWire(handler, envelope, options);
  }

  async #requestOverWire(handler: RequestHandler, envelope: RequestEnvelope, options: RequestOptions): Promise<ReplyEnvelope> {
    const wire = parseRequestEnvelope(roundTrip(envelope), this.#maxBytes);
    // The remote side gets its own cancellation, told of the caller's as a network message would.
    const remote = new Cancellation();
    const unlink = options.cancellation.onCancel((reason) => remote.cancel(MeshError.fromJSON(roundTrip(reason.toJSON()))));
    let done = false;
    const onProgress = options.onProgress;
    const progress =
      onProgress === undefined
        ? undefined
        : (data: JsonValue): void => {
            if (!done) onProgress(roundTrip(data));
          };
    try {
      const reply = await handler(wire, { cancellation: remote, progress, remote: true });
      return parseReplyEnvelope(roundTrip(reply), this.#maxBytes);
    } finally {
      done = true;
      unlink();
    }
  }

  publish(envelope: EventEnvelope): Promise<void> {
    if (this.#closed) return Promise.reject(closed());
    // Serialize mode checks the event as a network would, and gives each subscriber its own copy.
    const wire = this.#serialize ? roundTrip(envelope) : undefined;
    if (wire !== undefined) parseEventEnvelope(wire, this.#maxBytes);
    const copy = (): EventEnvelope => (wire === undefined ? envelope : parseEventEnvelope(roundTrip(wire), this.#maxBytes));
    // The receivers are fixed before any handler runs: one that subscribes from a handler gets the
    // next event, not this one; one that unsubscribes is skipped (see `active`).
    const direct: Sub[] = [];
    const queues = new Map<string, Sub[]>();
    const take = (sub: Sub): void => {
      if (sub.queue === undefined) direct.push(sub);
      else {
        const group = queues.get(sub.queue);
        if (group === undefined) queues.set(sub.queue, [sub]);
        else group.push(sub);
      }
    };
    const exact = this.#exact.get(envelope.topic);
    if (exact !== undefined) for (const sub of exact) take(sub);
    for (const sub of this.#wild) if (topicMatches(sub.pattern, envelope.topic)) take(sub);
    for (const [queue, members] of queues) {
      const turn = this.#queueTurn.get(queue) ?? 0;
      this.#queueTurn.set(queue, turn + 1);
      direct.push(members[turn % members.length]!);
    }
    for (const sub of direct) if (sub.active) swallow(sub.handler(copy()));
    return Promise.resolve();
  }

  subscribe(topic: string, handler: EventHandler, options: TransportSubscribeOptions = {}): Promise<Closable> {
    if (this.#closed) return Promise.reject(closed());
    const sub: Sub = { pattern: topic, handler, queue: options.queue, active: true };
    if (hasWildcard(topic)) this.#wild.add(sub);
    else {
      let set = this.#exact.get(topic);
      if (set === undefined) this.#exact.set(topic, (set = new Set()));
      set.add(sub);
    }
    return Promise.resolve({
      close: () => {
        sub.active = false;
        this.#wild.delete(sub);
        const set = this.#exact.get(topic);
        set?.delete(sub);
        if (set?.size === 0) this.#exact.delete(topic);
        return Promise.resolve();
      },
    });
  }

  discover(): Promise<AgentInfo[]> {
    const out: AgentInfo[] = [];
    for (const [name, server] of this.#servers) {
      out.push({ name, capabilities: server.infos[0]?.capabilities ?? [], replicas: server.handlers.length });
    }
    return Promise.resolve(out);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#servers.clear();
    this.#exact.clear();
    this.#wild.clear();
    return Promise.resolve();
  }
}

// Subscribers report their failures (for transports that redeliver); the mesh has logged and
// counted them already, and this transport does not redeliver.
function swallow(result: void | Promise<void>): void {
  if (result !== undefined) result.catch(() => undefined);
}

function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function closed(): MeshError {
  return MeshError.withoutStack('CLOSED', 'the transport is closed');
}
