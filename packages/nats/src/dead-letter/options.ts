import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import type { TransportLogger } from '../logger.js';

/** How long dead letters are kept by default: 30 days. */
export const DEFAULT_DEAD_LETTER_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

/** Options for {@link JetStreamDeadLetterStore}. Give `connection` or `servers`. */
export interface JetStreamDeadLetterStoreOptions {
  /** An open connection to use. @default none (then `servers` is used) */
  readonly connection?: NatsConnection;
  /** Servers to connect to when no `connection` is given. @default "127.0.0.1:4222" */
  readonly servers?: string | string[];
  /** Extra nats.js options for a connection the store opens itself. @default {} */
  readonly connectOptions?: Partial<NodeConnectionOptions>;
  /** Close a given `connection` on close() (one the store opened is always closed). @default false */
  readonly closeConnection?: boolean;
  /** Subject prefix: records live on `<prefix>.dlq.<key>`. @default "agentmesh" */
  readonly prefix?: string;
  /** Stream name. @default `<prefix with "." and ":" as "_">_dlq` */
  readonly stream?: string;
  /** Records older than this are dropped by the server; 0 keeps them forever. @default DEFAULT_DEAD_LETTER_MAX_AGE_MS (30 days) */
  readonly maxAgeMs?: number;
  /** Stream replicas (on a cluster). @default 1 */
  readonly replicas?: number;
  /** @default a logger that logs nothing */
  readonly logger?: TransportLogger;
}
