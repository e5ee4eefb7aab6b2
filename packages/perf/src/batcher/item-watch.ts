import type { RequestContext } from '@agentmesh/core';
import type { Batch, Watch } from './batch.js';
import { itemCancelledError } from './errors.js';

/** Ends an item's wait when its caller's AbortSignal aborts. The object is the listener. */
export class SignalWatch<TItem, TResult> implements Watch {
  constructor(
    readonly batch: Batch<TItem, TResult>,
    public index: number,
    readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', this);
  }

  handleEvent(): void {
    this.detach();
    this.batch.cancel(this.index, itemCancelledError(this.signal.reason));
  }

  detach(): void {
    this.signal.removeEventListener('abort', this);
  }
}

/** Ends an item's wait when its request is cancelled or passes its deadline. */
export class ContextWatch<TItem, TResult> implements Watch {
  readonly #unlink: () => void;

  constructor(
    readonly batch: Batch<TItem, TResult>,
    public index: number,
    context: RequestContext,
  ) {
    this.#unlink = context.cancellation.onCancel((reason) => this.batch.cancel(this.index, reason));
  }

  detach(): void {
    this.#unlink();
  }
}
