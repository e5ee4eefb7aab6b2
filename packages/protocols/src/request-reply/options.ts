import type { Clock, JsonObject, JsonValue, RequestContext } from '@agentmesh/core';
import type { ProtocolLogger } from '../shared/logger.js';

/** Timeout of a request that names none. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Ceiling of a request whose timeout restarts on progress. */
export const DEFAULT_MAX_TOTAL_TIMEOUT_MS = 300_000;

/** Options for `RequestReplyProtocol`. */
export interface RequestReplyProtocolOptions {
  /** Timeout of a request that names none. @default DEFAULT_REQUEST_TIMEOUT_MS (30 s) */
  readonly defaultTimeoutMs?: number;
  /** Ceiling of a request with `resetTimeoutOnProgress` that names none. @default DEFAULT_MAX_TOTAL_TIMEOUT_MS (5 min) */
  readonly maxTotalTimeoutMs?: number;
  /** Where dropped replies (debug) and throwing `onProgress` listeners (warn) are logged. @default mesh.logger */
  readonly logger?: ProtocolLogger;
  /** Time source of the protocol's own timers (deferred answers, idle timeouts). @default mesh.clock */
  readonly clock?: Clock;
}

/** Options of one `RequestReplyProtocol.sendRequest`. */
export interface SendRequestOptions {
  /** Budget of the request: of the whole request, or with `resetTimeoutOnProgress` of each quiet stretch. @default the protocol's defaultTimeoutMs */
  readonly timeoutMs?: number;
  /** Aborting it fails the request with CANCELLED and aborts the callee's `ctx.signal`. @default none */
  readonly signal?: AbortSignal;
  /** Receives the callee's progress frames, in order, before the answer. @default none */
  readonly onProgress?: (data: JsonValue) => void;
  /** Restart the timeout on every progress frame, up to `maxTotalTimeoutMs`. @default false */
  readonly resetTimeoutOnProgress?: boolean;
  /** Hard ceiling when `resetTimeoutOnProgress` is on (ignored otherwise). @default the protocol's maxTotalTimeoutMs */
  readonly maxTotalTimeoutMs?: number;
  /** The caller's context, when requesting from inside a handler: inherits its deadline, cancellation, depth and trace. @default none */
  readonly context?: RequestContext;
  /** Extra metadata for the request message; the protocol's keys win over these. @default {} */
  readonly metadata?: JsonObject;
}

/** Options of `RequestReplyProtocol.handleReply`. */
export interface HandleReplyOptions {
  /** Who sent the reply; when given it must be the agent the request went to, or the reply is dropped. @default not checked */
  readonly from?: string;
  /** Who received it; when given it must be the agent that sent the request, or the reply is dropped. @default not checked */
  readonly to?: string;
}
