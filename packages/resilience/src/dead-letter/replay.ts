import type { Clock, Mesh } from '@agentmesh/core';
import { isAbort } from '../internal/abort.js';
import { invokeOptions } from '../internal/invoke-options.js';
import { errorInfo } from './record.js';
import type { DeadLetterError, DeadLetterFilter, DeadLetterRecord, DeadLetterStore } from './store.js';

/** Options of {@link DeadLetterQueue.replay}. */
export interface ReplayOptions {
  /** Budget of each redelivery, in ms. @default the mesh's defaultTimeoutMs */
  readonly timeoutMs?: number;
  /** Stops the replay; records not yet replayed are left as they are. @default none */
  readonly signal?: AbortSignal;
}

/** What a replay did, by record id. */
export interface ReplayResult {
  /** Delivered and removed. */
  readonly succeeded: string[];
  /** Failed again; the record stays, updated. */
  readonly failed: { readonly id: string; readonly error: DeadLetterError }[];
  /** Not attempted: not found, already being replayed, or the replay was cancelled first. */
  readonly skipped: string[];
}

/** What a replay needs from its queue. */
export interface ReplayDeps {
  readonly mesh: Mesh;
  readonly store: DeadLetterStore;
  readonly clock: Clock;
  /** Marks a message as delivered by the queue itself (+1) or no longer (-1). */
  readonly own: (messageId: string, delta: 1 | -1) => void;
}

const replaying = new WeakMap<DeadLetterStore, Set<string>>();

/**
 * Replays records one at a time, oldest first. Delivery is at least once: a record is removed only
 * after its redelivery succeeded. A record already being replayed (by a concurrent replay on the
 * same store) is skipped rather than delivered twice at once.
 */
export async function replayRecords(deps: ReplayDeps, idOrFilter: string | DeadLetterFilter, options: ReplayOptions): Promise<ReplayResult> {
  const { mesh, store, clock } = deps;
  const result = { succeeded: [] as string[], failed: [] as { id: string; error: DeadLetterError }[], skipped: [] as string[] };
  let records: DeadLetterRecord[];
  if (typeof idOrFilter === 'string') {
    const record = await store.get(idOrFilter);
    if (record === undefined) result.skipped.push(idOrFilter);
    records = record === undefined ? [] : [record];
  } else records = await store.list(idOrFilter);
  let busy = replaying.get(store);
  if (busy === undefined) replaying.set(store, (busy = new Set()));
  for (const record of records) {
    if (options.signal?.aborted === true || busy.has(record.id)) {
      result.skipped.push(record.id);
      continue;
    }
    busy.add(record.id);
    deps.own(record.message.id, 1);
    try {
      const invoke = invokeOptions(record.from, undefined, options.timeoutMs, options.signal);
      let failure: unknown;
      let delivered = false;
      try {
        await mesh.invoke(record.target, record.message, invoke);
        delivered = true;
      } catch (error) {
        failure = error;
      }
      if (delivered) {
        await store.remove(record.id);
        result.succeeded.push(record.id);
      } else if (isAbort(failure)) {
        result.skipped.push(record.id); // cancelled: the record stays exactly as it was
      } else {
        const error = errorInfo(failure);
        await store.put({ ...record, attempts: record.attempts + 1, lastFailedAt: clock.now(), error });
        result.failed.push({ id: record.id, error });
      }
    } finally {
      busy.delete(record.id);
      deps.own(record.message.id, -1);
    }
  }
  return result;
}
