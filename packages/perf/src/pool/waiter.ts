import type { MeshError, RequestContext } from '@agentmesh/core';
import type { KeyState } from './key-table.js';
import { waitCancelledError } from './limiter-errors.js';

/** What a waiter needs from its limiter. */
export interface WaiterOwner {
  /** The waiter's caller gave up (abort, cancelled request): it leaves the line with `error`. */
  abandon(waiter: Waiter, error: unknown): void;
}

/**
 * One caller waiting for a permit, and its own node in the waiting line (an intrusive list: O(1)
 * removal from anywhere, which aborted waiters need, and no node allocation besides this object).
 * It is also the AbortSignal listener, so watching a signal allocates no closure. Fields are
 * `declare`d and set in the constructor: class-field initialisers cost ~4% of a queued task.
 */
export class Waiter {
  declare prev: Waiter | undefined;
  declare next: Waiter | undefined;
  declare queued: boolean;
  /** Epoch ms after which it fails with ACQUIRE_TIMEOUT (Infinity: never). */
  declare deadline: number;
  declare readonly owner: WaiterOwner;
  /** The work to run once granted; undefined when the caller wants the permit itself. */
  declare readonly task: (() => unknown) | undefined;
  declare readonly keyState: KeyState | undefined;
  declare readonly resolve: (value: unknown) => void;
  declare readonly reject: (reason: unknown) => void;
  declare signal: AbortSignal | undefined;
  declare unlink: (() => void) | undefined;

  constructor(
    owner: WaiterOwner,
    task: (() => unknown) | undefined,
    keyState: KeyState | undefined,
    resolve: (value: unknown) => void,
    reject: (reason: unknown) => void,
  ) {
    this.prev = undefined;
    this.next = undefined;
    this.queued = true;
    this.deadline = Infinity;
    this.owner = owner;
    this.task = task;
    this.keyState = keyState;
    this.resolve = resolve;
    this.reject = reject;
    this.signal = undefined;
    this.unlink = undefined;
  }

  watchSignal(signal: AbortSignal): void {
    this.signal = signal;
    signal.addEventListener('abort', this);
  }

  watchContext(context: RequestContext): void {
    this.unlink = context.cancellation.onCancel((reason: MeshError) => this.owner.abandon(this, reason));
  }

  /** @internal The AbortSignal listener. */
  handleEvent(): void {
    this.owner.abandon(this, waitCancelledError(this.keyState?.key, this.signal?.reason));
  }

  /** Removes the signal and cancellation listeners. */
  detach(): void {
    if (this.signal !== undefined) {
      this.signal.removeEventListener('abort', this);
      this.signal = undefined;
    }
    if (this.unlink !== undefined) {
      this.unlink();
      this.unlink = undefined;
    }
  }
}
