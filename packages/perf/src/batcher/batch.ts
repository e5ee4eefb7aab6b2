import { MeshError } from '@agentmesh/core';
import type { BatchResults } from './options.js';

/** Collecting items. */
export const OPEN = 0;
/** Sealed, waiting for a free concurrency slot. */
export const READY = 1;
/** Handed to `process`. */
export const SENT = 2;
/** Every caller settled (or every item left before it was sent). */
export const DONE = 3;
/** Where a batch is in its life. */
export type BatchState = typeof OPEN | typeof READY | typeof SENT | typeof DONE;

/** Something that ends one item's wait early (a signal or a request's cancellation). */
export interface Watch {
  /** The item's index in its batch; moved when the batch is compacted before sending, {@link LEFT} once its item left. */
  index: number;
  detach(): void;
}

/**
 * The index of a watch whose item left before compaction: it matches no slot. Detaching is not
 * enough on its own, since a cancellation already dispatching still calls listeners removed meanwhile.
 */
export const LEFT = -1;

/** A `flush()` call waiting for the batches that were pending when it was made. */
export interface FlushWaiter {
  remaining: number;
  readonly resolve: () => void;
}

/** A caller's resolve or reject function. */
export type Settle = (value: unknown) => void;

/**
 * One batch, as two flat arrays rather than an object per item: the items, and each caller's
 * settle functions side by side (`settlers[2i]` resolves item i, `settlers[2i + 1]` rejects it).
 * A caller that already left (cancelled) has `undefined` as its resolve function.
 */
export class Batch<TItem, TResult> {
  // Declared, then set in the constructor: class-field initialisers are slower to run in V8.
  declare state: BatchState;
  declare readonly items: TItem[];
  /** Sized up front for the expected batch: growing it item by item cost ~12% of add's time. */
  declare readonly settlers: (Settle | undefined)[];
  /** Items still wanted by their callers. */
  declare live: number;
  declare watches: Watch[] | undefined;
  declare flushWaiters: FlushWaiter[] | undefined;
  /** Neighbours in the batcher's list of pending batches (sealed, not done). */
  declare prev: Batch<TItem, TResult> | undefined;
  declare next: Batch<TItem, TResult> | undefined;
  declare readonly onItemLeft: (batch: Batch<TItem, TResult>) => void;

  constructor(onItemLeft: (batch: Batch<TItem, TResult>) => void, expectedSize: number) {
    this.state = OPEN;
    this.items = [];
    this.settlers = new Array<Settle | undefined>(2 * expectedSize);
    this.live = 0;
    this.watches = undefined;
    this.flushWaiters = undefined;
    this.prev = undefined;
    this.next = undefined;
    this.onItemLeft = onItemLeft;
  }

  /** Ends one caller's wait with `reason`; a no-op if it already settled. */
  cancel(index: number, reason: unknown): void {
    if (index === LEFT) return;
    const settlers = this.settlers;
    const reject = settlers[2 * index + 1];
    if (settlers[2 * index] === undefined || reject === undefined) return;
    settlers[2 * index] = undefined;
    this.live--;
    this.onItemLeft(this);
    reject(reason);
  }

  /** Drops the items that left, in place, before the items are handed to `process`. */
  compact(): void {
    const { items, settlers } = this;
    if (this.live === items.length) return;
    // Before the items move: which items left is read from the settlers.
    if (this.watches !== undefined) renumberWatches(this.watches, settlers, items.length);
    let kept = 0;
    for (let i = 0; i < items.length; i++) {
      if (settlers[2 * i] === undefined) continue;
      items[kept] = items[i]!;
      settlers[2 * kept] = settlers[2 * i];
      settlers[2 * kept + 1] = settlers[2 * i + 1];
      kept++;
    }
    items.length = kept;
    settlers.length = 2 * kept;
  }

  /** Hands each caller its own result; a results array of the wrong shape fails them all. */
  settle(results: BatchResults<TResult>): void {
    const { items, settlers } = this;
    if (!Array.isArray(results) || results.length !== items.length) {
      this.fail(mismatchError(items.length, results));
      return;
    }
    // Called once per batch, before its watches are detached: nothing can cancel an item meanwhile.
    for (let i = 0; i < items.length; i++) {
      const resolve = settlers[2 * i];
      if (resolve === undefined) continue;
      const result: unknown = results[i];
      if (result instanceof Error) settlers[2 * i + 1]!(result);
      else resolve(result);
    }
  }

  /** Rejects every caller still waiting with the same error. */
  fail(error: unknown): void {
    const settlers = this.settlers;
    for (let i = 0; i < 2 * this.items.length; i += 2) if (settlers[i] !== undefined) settlers[i + 1]!(error);
  }

  /** Removes every watch's listener. */
  detachWatches(): void {
    const watches = this.watches;
    if (watches === undefined) return;
    this.watches = undefined;
    for (const watch of watches) watch.detach();
  }
}

/**
 * Points each kept item's watches at the index it will have once the batch is compacted, and
 * detaches (and drops, in place) the watches of items that left: otherwise a late abort or
 * cancellation would land on whichever caller moved into the old slot. Watches are in item order,
 * and an item may have two (a signal and a context), so every watch of an item is moved, not just
 * the first.
 */
function renumberWatches(watches: Watch[], settlers: readonly (Settle | undefined)[], itemCount: number): void {
  let w = 0;
  let kept = 0;
  let next = 0;
  for (let i = 0; i < itemCount && w < watches.length; i++) {
    const stays = settlers[2 * i] !== undefined;
    for (; w < watches.length && watches[w]!.index === i; w++) {
      const watch = watches[w]!;
      if (stays) {
        watch.index = next;
        watches[kept++] = watch;
      } else {
        watch.detach();
        watch.index = LEFT;
      }
    }
    if (stays) next++;
  }
  watches.length = kept;
}

function mismatchError(expected: number, results: unknown): MeshError {
  const received = Array.isArray(results) ? `${results.length} results` : `a ${results === null ? 'null' : typeof results}`;
  return new MeshError(
    'HANDLER_ERROR',
    `batch process returned ${received} for ${expected} items; it must return an array with one result (or Error) per item, in order`,
    { details: { expected, received: Array.isArray(results) ? results.length : null } },
  );
}
