import { MeshError, createMessage, type JsonObject, type JsonValue } from '@agentmesh/core';
import type { CallScope } from '../internal/call-scope.js';
import { callbackError } from '../internal/failure.js';
import { MAP_REDUCE_METADATA_KEY, failureToJson } from './chunk-message.js';
import type { MapOutcome } from './map-phase.js';
import type { ReduceFunction, ReduceInfo } from './types.js';

/** What the reduce step needs besides the reducer. */
export interface ReduceStep {
  readonly scope: CallScope;
  readonly jobId: string;
  readonly chunkCount: number;
  readonly outcome: MapOutcome;
  readonly metadata: JsonObject | undefined;
}

/**
 * Runs the reducer over the successful results only (chunk order). A function runs here, raced
 * against the run's cancellation; an agent is one more hop of the run. Failures keep their code.
 */
export function reduce<TMapped extends JsonValue, TResult>(reducer: ReduceFunction<TMapped, TResult> | string, step: ReduceStep): Promise<TResult> {
  return typeof reducer === 'string' ? reduceWithAgent(reducer, step) : reduceWithFunction(reducer, step);
}

function reduceWithFunction<TMapped extends JsonValue, TResult>(reducer: ReduceFunction<TMapped, TResult>, step: ReduceStep): Promise<TResult> {
  const { scope, outcome } = step;
  const info: ReduceInfo = {
    jobId: step.jobId,
    chunkCount: step.chunkCount,
    chunkIndexes: outcome.chunkIndexes,
    failures: outcome.failures,
    // Read lazily: an AbortSignal costs microseconds, and most reducers never look at it.
    get signal() {
      return scope.cancellation.signal;
    },
  };
  let work: Promise<TResult>;
  try {
    work = Promise.resolve(reducer(outcome.results as TMapped[], info));
  } catch (error) {
    work = Promise.reject(error);
  }
  return scope.race(work).catch((error: unknown) => {
    throw error === scope.reason ? error : callbackError(error, 'map-reduce reducer');
  });
}

async function reduceWithAgent<TResult>(reducer: string, step: ReduceStep): Promise<TResult> {
  const { scope, outcome } = step;
  const facts: JsonObject = {
    jobId: step.jobId,
    chunkCount: step.chunkCount,
    chunkIndexes: outcome.chunkIndexes,
    failures: outcome.failures.map(failureToJson),
  };
  const message = createMessage({ content: outcome.results, metadata: { ...step.metadata, [MAP_REDUCE_METADATA_KEY]: facts } });
  try {
    const reply = await scope.invoke(reducer, message);
    return reply.content as TResult;
  } catch (thrown) {
    const reason = scope.stopped();
    if (reason !== undefined) throw reason;
    const error = thrown as MeshError;
    throw new MeshError(error.code, `map-reduce reducer "${reducer}" failed: ${error.message}`, {
      retryable: error.retryable,
      ...(error.remote === undefined ? {} : { remote: error.remote }),
      agent: reducer,
      details: { jobId: step.jobId, phase: 'reduce' },
      cause: error,
    });
  }
}
