import type { JsonValue, ReplyEnvelope, RequestEnvelope } from '@agentmesh/core';
import type { WireRequest } from '../codec/request.js';
import type { Watched } from './liveness.js';

/** One request waiting for its reply on the caller's inbox. */
export class PendingRequest implements Watched {
  /** Removes the cancellation listener. */
  unlink: () => void = noop;
  /** The serving instance, once it announced the request (see ReplicaWatch). */
  instance: string | undefined;
  /** Published on the current connection (a reply may come); false while parked. */
  sent = false;
  /** The grace-period resend timer, if one is armed. */
  retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly token: string,
    readonly reply: string,
    readonly envelope: RequestEnvelope,
    readonly wire: WireRequest,
    readonly resolve: (reply: ReplyEnvelope) => void,
    readonly reject: (error: unknown) => void,
    readonly onProgress: ((data: JsonValue) => void) | undefined,
  ) {}
}

function noop(): void {}
