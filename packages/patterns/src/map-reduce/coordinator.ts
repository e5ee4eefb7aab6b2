import { Agent, MeshError, createMessage, type AgentOptions, type JsonObject, type JsonValue, type Message, type RequestContext } from '@agentmesh/core';
import { agentNames, optionalTimeout, positiveInteger } from '../internal/validate.js';
import { MAP_REDUCE_METADATA_KEY, attemptToJson, failureToJson } from './chunk-message.js';
import { mapReduce } from './map-reduce.js';
import { MAP_REDUCE_ERROR_MODES, type MapReduceErrorMode, type MapReduceOptions, type MapReduceResult } from './types.js';

/** The fixed part of a coordinator's runs: who maps and reduces, and the defaults of each job. */
export type MapReduceCoordinatorOptions<TMapped extends JsonValue = JsonValue, TResult extends JsonValue = JsonValue> = AgentOptions &
  Pick<
    MapReduceOptions<JsonValue, TMapped, TResult>,
    'mappers' | 'reducer' | 'chunkSize' | 'concurrency' | 'onError' | 'maxAttempts' | 'reassignOn' | 'timeoutMs' | 'chunkTimeoutMs'
  >;

/**
 * A job as sent to a {@link MapReduceCoordinator}: the message content is the data array itself,
 * or this object. Only the data and the failure tolerance come from the caller.
 */
export interface MapReduceJob {
  readonly data: JsonValue[];
  /** @default the coordinator's chunkSize */
  readonly chunkSize?: number;
  /** @default the coordinator's onError */
  readonly onError?: MapReduceErrorMode;
}

/**
 * An agent that runs {@link mapReduce} for its callers. The request's content carries the job (a
 * data array, or a {@link MapReduceJob}); the reply's content is the reducer's value and its
 * `metadata.mapReduce` reports the run (jobId, chunkCount, succeeded, failures, reassigned). A run
 * that fails rejects the call with the run's error code.
 *
 * Mappers and reducer are fixed when the coordinator is built, never taken from a message: a
 * caller cannot make the coordinator call agents on its behalf. Each run inherits the request's
 * context (deadline, cancellation, depth, trace), and the request's metadata is copied onto every
 * chunk.
 */
export class MapReduceCoordinator<TMapped extends JsonValue = JsonValue, TResult extends JsonValue = JsonValue> extends Agent {
  readonly #options: MapReduceCoordinatorOptions<TMapped, TResult>;

  constructor(options: MapReduceCoordinatorOptions<TMapped, TResult>) {
    super(options);
    agentNames(options.mappers, `coordinator "${options.name}": mappers`);
    positiveInteger(options.chunkSize, 1, 'chunkSize');
    positiveInteger(options.concurrency, 1, 'concurrency');
    positiveInteger(options.maxAttempts, 1, 'maxAttempts');
    optionalTimeout(options.timeoutMs, 'timeoutMs');
    optionalTimeout(options.chunkTimeoutMs, 'chunkTimeoutMs');
    this.#options = options;
  }

  /** Runs the job in `message` and replies with its value and report. */
  override async handle(message: Message, ctx: RequestContext): Promise<Message> {
    const mesh = this.mesh;
    if (mesh === undefined) throw new MeshError('INVALID_ARGUMENT', `agent "${this.name}" is not registered with a mesh`);
    const job = readJob(message.content);
    const { name: _name, capabilities: _capabilities, ...defaults } = this.#options;
    const result = await mapReduce<JsonValue, TMapped, TResult>({
      ...defaults,
      ...job,
      mesh,
      from: this.name,
      context: ctx,
      metadata: message.metadata,
    });
    return createMessage({ role: 'assistant', content: result.value, metadata: { [MAP_REDUCE_METADATA_KEY]: report(result) } });
  }
}

function readJob(content: JsonValue): MapReduceJob {
  if (Array.isArray(content)) return { data: content };
  if (typeof content !== 'object' || content === null || !Array.isArray(content['data'])) {
    throw new MeshError('INVALID_MESSAGE', 'a map-reduce job is a data array or { data: [...], chunkSize?, onError? }');
  }
  const { data, chunkSize, onError } = content;
  const job: { -readonly [K in keyof MapReduceJob]: MapReduceJob[K] } = { data };
  if (chunkSize !== undefined) {
    if (typeof chunkSize !== 'number' || !Number.isSafeInteger(chunkSize) || chunkSize < 1) {
      throw new MeshError('INVALID_MESSAGE', `job.chunkSize must be a positive integer, got ${JSON.stringify(chunkSize)}`);
    }
    job.chunkSize = chunkSize;
  }
  if (onError !== undefined) {
    if (!MAP_REDUCE_ERROR_MODES.includes(onError as MapReduceErrorMode)) {
      throw new MeshError('INVALID_MESSAGE', `job.onError must be one of ${MAP_REDUCE_ERROR_MODES.join(', ')}, got ${JSON.stringify(onError)}`);
    }
    job.onError = onError as MapReduceErrorMode;
  }
  return job;
}

function report(result: MapReduceResult<unknown>): JsonObject {
  return {
    jobId: result.jobId,
    chunkCount: result.chunkCount,
    succeeded: result.succeeded,
    failures: result.failures.map(failureToJson),
    reassigned: result.reassigned.map((r) => ({ index: r.index, mapper: r.mapper, attempts: r.attempts.map(attemptToJson) })),
  };
}
