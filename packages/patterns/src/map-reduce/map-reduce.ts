import { MeshError, assertAgentName, nextId, type JsonValue } from '@agentmesh/core';
import { CallScope } from '../internal/call-scope.js';
import { agentNames, invalidArgument, oneOf, optionalTimeout, positiveInteger } from '../internal/validate.js';
import { chunkBounds } from './chunks.js';
import { failureToJson } from './chunk-message.js';
import { MapPhase, type MapPlan } from './map-phase.js';
import { reduce } from './reduce.js';
import { DEFAULT_MAP_REDUCE_ON_ERROR, MAP_REDUCE_ERROR_MODES, type ChunkFailure, type MapReduceOptions, type MapReduceResult } from './types.js';

const reassignEverything = (): boolean => true;

/**
 * Splits `data` into chunks (JSON arrays, never empty), maps them on the `mappers` agents with
 * bounded concurrency, and reduces the successful results, in chunk order, with `reducer`.
 *
 * Every chunk is accounted for: it succeeds, or it appears in `failures` with its index, mapper,
 * error code and message (`'skip'`, `'reassign'`), or the run rejects with it (`'fail'`, which
 * also cancels the chunks still in flight). Error text never reaches the reducer as data. When
 * every chunk fails the run rejects. Every hop inherits the caller's context; cancelling the
 * caller, aborting `signal` or passing `timeoutMs` cancels all outstanding hops.
 *
 * @throws INVALID_ARGUMENT (as a rejection) for zero mappers, duplicate mappers or bad options.
 */
export async function mapReduce<TItem extends JsonValue = JsonValue, TMapped extends JsonValue = JsonValue, TResult = JsonValue>(
  options: MapReduceOptions<TItem, TMapped, TResult>,
): Promise<MapReduceResult<TResult>> {
  const { mesh, data, reducer } = options;
  if (!Array.isArray(data)) throw invalidArgument(`map-reduce: data must be an array, got ${typeof data}`);
  const mappers = agentNames(options.mappers, 'map-reduce: mappers');
  if (typeof reducer === 'string') assertAgentName(reducer);
  else if (typeof reducer !== 'function') throw invalidArgument('map-reduce: reducer must be a function or an agent name');
  const chunkSize = options.chunkSize === undefined ? undefined : positiveInteger(options.chunkSize, 1, 'map-reduce: chunkSize');
  const onError = oneOf(options.onError, MAP_REDUCE_ERROR_MODES, DEFAULT_MAP_REDUCE_ON_ERROR, 'map-reduce: onError');
  const concurrency = positiveInteger(options.concurrency, mappers.length, 'map-reduce: concurrency');
  const maxAttempts = positiveInteger(options.maxAttempts, mappers.length, 'map-reduce: maxAttempts');
  const timeoutMs = optionalTimeout(options.timeoutMs, 'map-reduce: timeoutMs');
  const chunkTimeoutMs = optionalTimeout(options.chunkTimeoutMs, 'map-reduce: chunkTimeoutMs');
  const jobId = nextId();
  const bounds = chunkBounds(data.length, mappers.length, chunkSize);
  const chunkCount = bounds.length - 1;
  const scope = new CallScope({ mesh, operation: 'map-reduce', from: options.from, context: options.context, signal: options.signal, timeoutMs });
  try {
    const plan: MapPlan = {
      scope,
      jobId,
      data,
      bounds,
      mappers,
      concurrency,
      onError,
      maxAttempts,
      reassignOn: options.reassignOn ?? reassignEverything,
      chunkTimeoutMs,
      metadata: options.metadata,
    };
    const outcome = await new MapPhase(plan).run();
    if (chunkCount > 0 && outcome.results.length === 0) throw allFailed(jobId, outcome.failures);
    const value = await reduce(reducer, { scope, jobId, chunkCount, outcome, metadata: options.metadata });
    return { value, jobId, chunkCount, succeeded: outcome.results.length, failures: outcome.failures, reassigned: outcome.reassigned };
  } finally {
    scope.dispose();
  }
}

function allFailed(jobId: string, failures: readonly ChunkFailure[]): MeshError {
  const first = failures[0]!;
  return new MeshError(first.code, `map-reduce: all ${failures.length} chunks failed; first: chunk ${first.index} on mapper "${first.mapper}": ${first.message}`, {
    retryable: failures.some((f) => f.retryable),
    details: { jobId, failures: failures.map(failureToJson) },
  });
}
