import { nuid, type NatsConnection } from '@nats-io/transport-node';
import { transportError } from '../errors.js';
import { DurableEvents } from '../events/durable-events.js';
import type { TransportLogger } from '../logger.js';
import { DEFAULT_SERVERS, type NatsTransportOptions, type ResolvedOptions } from '../options.js';
import type { Subjects } from '../subjects.js';
import { Caller } from './caller.js';
import { maxBatchBytes } from './coalescer.js';
import { ConnectionWatcher, openConnection, type ConnectionEvents } from './connection.js';

/** Everything a connected transport runs on. */
export interface Wire {
  readonly nc: NatsConnection;
  /** Close the connection on close() (opened by the transport, or `closeConnection` asked for it). */
  readonly owned: boolean;
  /** This transport's instance id: answers liveness probes on `<prefix>.instance.<id>`. */
  readonly instance: string;
  readonly caller: Caller;
  readonly watcher: ConnectionWatcher;
  readonly durable: DurableEvents;
}

/** Opens (or adopts) the connection and sets up the calling side and the connection watcher. */
export async function attachWire(options: NatsTransportOptions, o: ResolvedOptions, subjects: Subjects, events: ConnectionEvents): Promise<Wire> {
  const given = options.connection;
  if (given?.isClosed() === true) throw transportError('the given NATS connection is closed');
  const nc = given ?? (await openConnection(options.servers ?? DEFAULT_SERVERS, o.name, options.connectOptions ?? {}));
  const caller = new Caller({
    nc,
    subjects,
    maxBytes: o.maxBytes,
    logger: o.logger,
    inboxPrefix: o.inboxPrefix,
    maxParked: o.maxParked,
    reconnectGraceMs: o.reconnectGraceMs,
    replicaCheckIntervalMs: o.replicaCheckIntervalMs,
    maxCoalesced: o.maxCoalesced,
    maxBatchBytes: () => maxBatchBytes(nc),
  });
  const watcher = new ConnectionWatcher(
    nc,
    {
      disconnected: () => {
        caller.disconnected();
        events.disconnected();
      },
      reconnected: () => {
        caller.reconnected();
        events.reconnected();
      },
      closed: () => events.closed(),
      publishRefused: (subject) => events.publishRefused(subject),
    },
    o.logger,
  );
  return {
    nc,
    owned: given === undefined || options.closeConnection === true,
    instance: nuid.next(),
    caller,
    watcher,
    durable: new DurableEvents(nc, subjects, o),
  };
}

/**
 * Stops watching the connection, then drains it if the transport owns it (bounded by
 * `timeoutMs`), else flushes what it sent. An owned connection is closed in every case: a drain
 * that fails or hangs (the server is down, nats.js keeps reconnecting) must not leave it open,
 * reconnecting for ever and keeping the process alive.
 */
export async function releaseWire(wire: Wire, logger: TransportLogger, timeoutMs: number): Promise<void> {
  wire.watcher.stop();
  try {
    if (wire.owned) await withTimeout(wire.nc.drain(), timeoutMs);
    else await withTimeout(wire.nc.flush(), timeoutMs);
  } catch (error) {
    logger.debug({ err: error }, 'NATS connection not drained (closed, down, or too slow)');
  } finally {
    if (wire.owned && !wire.nc.isClosed()) await wire.nc.close().catch((error: unknown) => logger.debug({ err: error }, 'NATS connection close failed'));
  }
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
