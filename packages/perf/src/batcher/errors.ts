import { MeshError } from '@agentmesh/core';
import { reasonSuffix } from '../internal/reason.js';

// Fast rejections: none of these captures a stack (it would only point into the batcher).

/** `add` after `close()`. */
export function batcherClosedError(): MeshError {
  return MeshError.withoutStack('CLOSED', 'the batcher is closed');
}

/** `add` while `maxQueue` items wait. */
export function batcherFullError(maxQueue: number): MeshError {
  return MeshError.withoutStack('QUEUE_FULL', `the batcher's queue is full (${maxQueue} items waiting)`, { details: { maxQueue } });
}

/** CANCELLED for an item whose caller aborted. */
export function itemCancelledError(reason: unknown): MeshError {
  return MeshError.withoutStack('CANCELLED', `batched item was cancelled${reasonSuffix(reason)}`);
}
