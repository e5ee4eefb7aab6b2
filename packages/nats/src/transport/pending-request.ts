import type { JsonValue, ReplyEnvelope, RequestEnvelope } from '@agentmesh/core';
import type { WireRequest } from '../codec/request.js';
import type { Watched } from './liveness.js';
import type { Route } from './routes.js';
import type { Slotted } from './token-table.js';
import type { SentBatch } from './request-batches.js';

/** One request waiting for its reply on the caller's inbox. */
export class PendingRequest implements Watched, Slotted {
  /** Its token in the caller's table; its inbox subject ends with it. */
  token = '';
  /** The inbox subject of its progress frames and reply. */
  reply = '';
  /** Removes the cancellation listener. */
  unlink: () => void = noop;
  /** The serving instance, once it announced the request (see ReplicaWatch). */
  instance: string | undefined;
  /** Published on the current connection (a reply may come); false while parked. */
  sent = false;
  /** The batch it was sent in, if it shared a message with other requests. */
  batch: SentBatch | undefined;
  /** The grace-period resend timer, if one is armed. */
  retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly route: Route,
    readonly envelope: RequestEnvelope,
    readonly wire: WireRequest,
    readonly resolve: (reply: ReplyEnvelope) => void,
    readonly reject: (error: unknown) => void,
    readonly onProgress: ((data: JsonValue) => void) | undefined,
  ) {}
}

function noop(): void {}
