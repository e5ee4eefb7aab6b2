import type { Clock, Mesh } from '@agentmesh/core';
import { isAbort } from '../internal/abort.js';
import { invokeOptions } from '../internal/invoke-options.js';
import { errorInfo } from './record.js';
import { EVENT_TARGET_PREFIX, type DeadLetterError, type DeadLetterFilter, type DeadLetterRecord, type DeadLetterStore } from './store.js';

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
  /** Not attempted: not found, already being replayed, an event's dead letter, or the replay was cancelled first. */
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
 * same store) is skipped rather than delivered twice at once, and each record is read again just
 * before its turn, so one that another replay delivered, or that was removed, meanwhile is skipped
 * rather than delivered again or brought back. A store that fails on one record fails only that
 * record.
 */
export async function replayRecords(deps: ReplayDeps, idOrFilter: string | DeadLetterFilter, options: ReplayOptions): Promise<ReplayResult> {
  const { store } = deps;
  const result: ReplayResult = { succeeded: [], failed: [], skipped: [] };
  let ids: string[];
  if (typeof idOrFilter === 'string') ids = [idOrFilter];
  else ids = (await store.list(idOrFilter)).map((record) => record.id);
  let busy = replaying.get(store);
  if (busy === undefined) replaying.set(store, (busy = new Set()));
  for (const id of ids) {
    if (options.signal?.aborted === true || busy.has(id)) {
      result.skipped.push(id);
      continue;
    }
    busy.add(id);
    try {
      await replayOne(deps, id, options, result);
    } finally {
      busy.delete(id);
    }
  }
  return result;
}

async function replayOne(deps: ReplayDeps, id: string, options: ReplayOptions, result: ReplayResult): Promise<void> {
  const { mesh, store, clock } = deps;
  let record: DeadLetterRecord | undefined;
  try {
    record = await store.get(id);
  } catch (error) {
    result.failed.push({ id, error: errorInfo(error) });
    return;
  }
  // Missing, or an event's dead letter: it went to subscribers, not to an agent, so invoking
  // anything would be wrong; it is replayed by publishing its message on its topic again.
  if (record === undefined || record.target.startsWith(EVENT_TARGET_PREFIX)) {
    result.skipped.push(id);
    return;
  }
  deps.own(record.message.id, 1);
  try {
    let failure: unknown;
    let delivered = false;
    try {
      await mesh.invoke(record.target, record.message, invokeOptions(record.from, undefined, options.timeoutMs, options.signal));
      delivered = true;
    } catch (error) {
      failure = error;
    }
    if (isAbort(failure)) {
      result.skipped.push(id); // cancelled: the record stays exactly as it was
      return;
    }
    try {
      if (delivered) {
        await store.remove(id);
        result.succeeded.push(id);
        return;
      }
      const error = errorInfo(failure);
      // Removed (purged, replayed elsewhere) while this delivery ran: it stays gone.
      if ((await store.get(id)) !== undefined) await store.put({ ...record, attempts: record.attempts + 1, lastFailedAt: clock.now(), error });
      result.failed.push({ id, error });
    } catch (storeError) {
      // Delivered but not removed: it may be delivered again by a later replay (at least once).
      result.failed.push({ id, error: errorInfo(storeError) });
    }
  } finally {
    deps.own(record.message.id, -1);
  }
}
