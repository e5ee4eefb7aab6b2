import type { JsonObject, JsonValue, Mesh, MeshErrorCode, RemoteErrorInfo, RequestContext } from '@agentmesh/core';

/** What to do when a chunk fails. */
export type MapReduceErrorMode = 'fail' | 'skip' | 'reassign';

/** The {@link MapReduceErrorMode}s, for validation and docs. */
export const MAP_REDUCE_ERROR_MODES: readonly MapReduceErrorMode[] = ['fail', 'skip', 'reassign'];

/** Default of {@link MapReduceOptions.onError}: stop at the first failed chunk. */
export const DEFAULT_MAP_REDUCE_ON_ERROR: MapReduceErrorMode = 'fail';

/** One failed attempt to map a chunk. */
export interface ChunkAttemptFailure {
  /** The mapper agent the chunk was sent to. */
  readonly mapper: string;
  readonly code: MeshErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  /** The mapper's original error, for HANDLER_ERROR. */
  readonly remote?: RemoteErrorInfo;
}

/** A chunk that could not be mapped: the last attempt's facts, plus every attempt in order. */
export interface ChunkFailure extends ChunkAttemptFailure {
  /** The chunk's index (chunk `i` holds the `i`-th slice of `data`). */
  readonly index: number;
  /** How many items the chunk held. */
  readonly size: number;
  /** Every failed attempt, oldest first; more than one only with `onError: 'reassign'`. */
  readonly attempts: readonly ChunkAttemptFailure[];
}

/** A chunk that failed on some mappers and then succeeded on another (`onError: 'reassign'`). */
export interface ChunkReassignment {
  readonly index: number;
  /** The mapper that finally mapped it. */
  readonly mapper: string;
  /** The failed attempts before that, oldest first. */
  readonly attempts: readonly ChunkAttemptFailure[];
}

/** What a reducer learns besides the results. */
export interface ReduceInfo {
  /** Identifies this run in chunk metadata and logs. */
  readonly jobId: string;
  /** How many chunks the data was split into. */
  readonly chunkCount: number;
  /** The chunk index of each result, parallel to the results (ascending). */
  readonly chunkIndexes: readonly number[];
  /** The chunks left out (only with `onError: 'skip'` or `'reassign'`). Facts, never results. */
  readonly failures: readonly ChunkFailure[];
  /** Aborts when the run is cancelled or passes its deadline. */
  readonly signal: AbortSignal;
}

/**
 * A local reducer: receives the successful chunk results only, ordered by chunk index, and returns
 * the final value. A throw fails the run (a MeshError keeps its code, anything else is HANDLER_ERROR).
 */
export type ReduceFunction<TMapped extends JsonValue = JsonValue, TResult = JsonValue> = (
  results: readonly TMapped[],
  info: ReduceInfo,
) => TResult | Promise<TResult>;

/**
 * Options for {@link mapReduce}. `TItem` is one data item, `TMapped` what a mapper returns for a
 * chunk (its reply's content), `TResult` what the reducer returns.
 */
export interface MapReduceOptions<TItem extends JsonValue = JsonValue, TMapped extends JsonValue = JsonValue, TResult = JsonValue> {
  /** The mesh the mappers (and a reducer agent) are reached through. */
  readonly mesh: Mesh;
  /** The items to map; split into chunks of consecutive items. */
  readonly data: readonly TItem[];
  /** Names of the mapper agents; at least one, no duplicates. Each gets chunks as JSON arrays. */
  readonly mappers: readonly string[];
  /**
   * A function (runs here) or the name of a reducer agent. An agent receives a message whose
   * content is the array of successful results (ordered by chunk index) and whose
   * `metadata.mapReduce` says which chunk each came from and which failed; its reply's content is
   * the value.
   */
  readonly reducer: ReduceFunction<TMapped, TResult> | string;
  /** The calling agent. @default the context's agent, else anonymous */
  readonly from?: string;
  /**
   * The caller's context: each hop inherits its deadline, cancellation, depth, trace and principal.
   * Pass the handler's `ctx` when calling from inside an agent.
   * @default none (a fresh trace per hop)
   */
  readonly context?: RequestContext;
  /** Items per chunk. @default data split evenly over the mappers (sizes differ by at most one) */
  readonly chunkSize?: number;
  /** Most chunks in flight at once. @default the number of mappers */
  readonly concurrency?: number;
  /** What a failed chunk does. @default DEFAULT_MAP_REDUCE_ON_ERROR ('fail') */
  readonly onError?: MapReduceErrorMode;
  /**
   * With `'reassign'`: most attempts per chunk, each on a different mapper.
   * @default the number of mappers (every mapper tried at most once)
   */
  readonly maxAttempts?: number;
  /**
   * With `'reassign'`: whether a failed attempt may be retried elsewhere.
   * @default every failure is reassigned
   */
  readonly reassignOn?: (failure: ChunkAttemptFailure) => boolean;
  /** Budget of the whole run, map and reduce. @default none beyond the context's deadline */
  readonly timeoutMs?: number;
  /** Budget of one chunk on one mapper. @default the run's deadline, else the mesh's default timeout */
  readonly chunkTimeoutMs?: number;
  /** Aborting it cancels the run and every outstanding hop (CANCELLED). @default none */
  readonly signal?: AbortSignal;
  /** Extra metadata on every chunk and reduce message (routing, tenant...). @default {} */
  readonly metadata?: JsonObject;
}

/** What {@link mapReduce} resolves to. */
export interface MapReduceResult<TResult = JsonValue> {
  /** The reducer's value. */
  readonly value: TResult;
  readonly jobId: string;
  readonly chunkCount: number;
  /** Chunks whose results reached the reducer. */
  readonly succeeded: number;
  /** Every chunk that was left out, by index. Empty unless `onError` is `'skip'` or `'reassign'`. */
  readonly failures: readonly ChunkFailure[];
  /** Chunks that succeeded only after reassignment, by index. */
  readonly reassigned: readonly ChunkReassignment[];
}
