import { connect, type NatsConnection, type NodeConnectionOptions, type Status } from '@nats-io/transport-node';
import { transportError } from '../errors.js';
import type { TransportLogger } from '../logger.js';

/**
 * Reconnect settings for connections the transport opens itself: retry forever, quickly, so a
 * restarted server is picked up within about a quarter second. Override with `connectOptions`.
 */
export const DEFAULT_CONNECT_OPTIONS = {
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  reconnectJitter: 100,
  pingInterval: 10_000,
  maxPingOut: 3,
} as const satisfies Partial<NodeConnectionOptions>;

/** Opens a connection, mapping failure to TRANSPORT_ERROR. */
export async function openConnection(servers: string | string[], name: string, overrides: Partial<NodeConnectionOptions>): Promise<NatsConnection> {
  try {
    return await connect({ ...DEFAULT_CONNECT_OPTIONS, name, ...overrides, servers });
  } catch (error) {
    throw transportError(`could not connect to NATS at ${String(servers)}`, error);
  }
}

/** What a {@link ConnectionWatcher} reports. */
export interface ConnectionEvents {
  disconnected(): void;
  reconnected(): void;
  /** The connection closed without this transport asking (reconnect attempts exhausted, or its owner closed it). */
  closed(): void;
  /** The server refused a publish to `subject` (permissions); true if that was expected (a probe). */
  publishRefused(subject: string): boolean;
}

/** Follows a connection's status and reports the transitions the transport acts on. */
export class ConnectionWatcher {
  readonly #status: AsyncIterable<Status>;
  #stopped = false;

  constructor(nc: NatsConnection, events: ConnectionEvents, logger: TransportLogger) {
    this.#status = nc.status();
    void this.#follow(events, logger);
  }

  async #follow(events: ConnectionEvents, logger: TransportLogger): Promise<void> {
    try {
      for await (const status of this.#status) {
        if (status.type === 'disconnect') {
          logger.warn({ server: status.server }, 'NATS connection lost; reconnecting');
          events.disconnected();
        } else if (status.type === 'reconnect') {
          logger.info({ server: status.server }, 'NATS connection restored');
          events.reconnected();
        } else if (status.type === 'error') {
          const refused = status.error as { name?: unknown; operation?: unknown; subject?: unknown };
          const expected = refused.name === 'PermissionViolationError' && refused.operation === 'publish' && events.publishRefused(String(refused.subject));
          if (expected) logger.debug({ err: status.error }, 'NATS refused a reply probe');
          else logger.error({ err: status.error }, 'NATS server reported an error');
        } else if (status.type === 'close' && !this.#stopped) {
          logger.error({}, 'NATS connection closed');
          events.closed();
        }
      }
    } catch (error) {
      logger.error({ err: error }, 'NATS status monitoring stopped');
    }
  }

  /** Stops following (the status iterator of nats.js ends with `stop()`). */
  stop(): void {
    this.#stopped = true;
    (this.#status as { stop?: () => void }).stop?.();
  }
}
