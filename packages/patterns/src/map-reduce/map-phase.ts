import { MeshError, type JsonObject, type JsonValue, type Message } from '@agentmesh/core';
import type { CallScope } from '../internal/call-scope.js';
import { asMeshError, describeFailure } from '../internal/failure.js';
import { chunkMessage, failureToJson } from './chunk-message.js';
import type { ChunkAttemptFailure, ChunkFailure, ChunkReassignment, MapReduceErrorMode } from './types.js';

/** Everything the map phase needs, validated. */
export interface MapPlan {
  readonly scope: CallScope;
  readonly jobId: string;
  readonly data: readonly JsonValue[];
  /** Chunk `i` is `data.slice(bounds[i], bounds[i + 1])`. */
  readonly bounds: readonly number[];
  readonly mappers: readonly string[];
  readonly concurrency: number;
  readonly onError: MapReduceErrorMode;
  readonly maxAttempts: number;
  readonly reassignOn: (failure: ChunkAttemptFailure) => boolean;
  readonly chunkTimeoutMs: number | undefined;
  readonly metadata: JsonObject | undefined;
}

/** What the map phase produced: successful results in chunk order, and every failure. */
export interface MapOutcome {
  readonly results: JsonValue[];
  readonly chunkIndexes: number[];
  readonly failures: ChunkFailure[];
  readonly reassigned: ChunkReassignment[];
}

interface Task {
  readonly index: number;
  readonly tried: string[];
  readonly attempts: ChunkAttemptFailure[];
}

const UNSET: unique symbol = Symbol('unset');

/**
 * Sends chunks to mappers with at most `concurrency` in flight. Each chunk goes to the least busy
 * mapper (ties rotate), so faster mappers take more chunks; a reassigned chunk goes first, to a
 * mapper it has not tried. Settles once every chunk succeeded or failed for good; rejects with
 * the first failure under `'fail'` (cancelling the rest), or with the group's reason when the
 * caller cancels or the deadline passes.
 */
export class MapPhase {
  readonly #plan: MapPlan;
  readonly #chunkCount: number;
  readonly #results: (JsonValue | typeof UNSET)[];
  readonly #load: number[];
  readonly #retries: Task[] = [];
  readonly #failures: ChunkFailure[] = [];
  readonly #reassigned: ChunkReassignment[] = [];
  #nextFresh = 0;
  #inFlight = 0;
  #turn = 0;
  #done = false;
  #resolve!: (outcome: MapOutcome) => void;
  #reject!: (error: MeshError) => void;

  constructor(plan: MapPlan) {
    this.#plan = plan;
    this.#chunkCount = plan.bounds.length - 1;
    this.#results = new Array<JsonValue | typeof UNSET>(this.#chunkCount).fill(UNSET);
    this.#load = plan.mappers.map(() => 0);
  }

  run(): Promise<MapOutcome> {
    return new Promise<MapOutcome>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.#pump();
    });
  }

  #pump(): void {
    while (!this.#done && this.#inFlight < this.#plan.concurrency) {
      const task = this.#retries.shift() ?? this.#fresh();
      if (task === undefined) break;
      this.#start(task);
    }
    if (!this.#done && this.#inFlight === 0) this.#finish();
  }

  #fresh(): Task | undefined {
    if (this.#nextFresh >= this.#chunkCount) return undefined;
    return { index: this.#nextFresh++, tried: [], attempts: [] };
  }

  #start(task: Task): void {
    const { scope, data, bounds, mappers, jobId, chunkTimeoutMs, metadata } = this.#plan;
    const slot = this.#pick(task);
    const mapper = mappers[slot]!;
    task.tried.push(mapper);
    this.#load[slot]!++;
    this.#inFlight++;
    const items = data.slice(bounds[task.index], bounds[task.index + 1]);
    const info = { jobId, chunkIndex: task.index, chunkCount: this.#chunkCount, attempt: task.attempts.length + 1 };
    scope.invoke(mapper, chunkMessage(items, info, metadata), chunkTimeoutMs).then(
      (reply) => this.#succeeded(task, slot, reply),
      (error: unknown) => this.#failed(task, slot, error),
    );
  }

  /** The least busy mapper this task has not tried; ties rotate so equal mappers share evenly. */
  #pick(task: Task): number {
    const mappers = this.#plan.mappers;
    const count = mappers.length;
    const first = this.#turn++ % count;
    let best = -1;
    for (let k = 0; k < count; k++) {
      const i = (first + k) % count;
      if (task.tried.length > 0 && task.tried.includes(mappers[i]!)) continue;
      if (best < 0 || this.#load[i]! < this.#load[best]!) best = i;
    }
    return best;
  }

  #succeeded(task: Task, slot: number, reply: Message): void {
    this.#settle(slot);
    if (this.#done) return;
    this.#results[task.index] = reply.content;
    if (task.attempts.length > 0) {
      this.#reassigned.push({ index: task.index, mapper: this.#plan.mappers[slot]!, attempts: task.attempts });
    }
    this.#pump();
  }

  #failed(task: Task, slot: number, thrown: unknown): void {
    this.#settle(slot);
    if (this.#done) return;
    const { scope, mappers, onError, jobId } = this.#plan;
    const stopped = scope.stopped();
    if (stopped !== undefined) return this.#stop(stopped);
    const mapper = mappers[slot]!;
    const error = asMeshError(thrown, mapper);
    const attempt: ChunkAttemptFailure = { mapper, ...describeFailure(error) };
    task.attempts.push(attempt);
    scope.logger.warn({ jobId, chunk: task.index, mapper, code: error.code, err: error }, 'map-reduce chunk failed');
    if (onError === 'fail') return this.#stop(this.#chunkError(task, error), true);
    if (onError === 'reassign' && this.#mayReassign(task, attempt)) this.#retries.push(task);
    else this.#failures.push(this.#failure(task));
    this.#pump();
  }

  #mayReassign(task: Task, attempt: ChunkAttemptFailure): boolean {
    const { mappers, maxAttempts, reassignOn } = this.#plan;
    return task.attempts.length < maxAttempts && task.tried.length < mappers.length && reassignOn(attempt);
  }

  #settle(slot: number): void {
    this.#load[slot]!--;
    this.#inFlight--;
  }

  #failure(task: Task): ChunkFailure {
    const { bounds } = this.#plan;
    const last = task.attempts[task.attempts.length - 1]!;
    return { ...last, index: task.index, size: bounds[task.index + 1]! - bounds[task.index]!, attempts: task.attempts };
  }

  #chunkError(task: Task, error: MeshError): MeshError {
    const failure = this.#failure(task);
    return new MeshError(error.code, `map-reduce chunk ${task.index} of ${this.#chunkCount} failed on mapper "${failure.mapper}": ${error.message}`, {
      retryable: error.retryable,
      ...(error.remote === undefined ? {} : { remote: error.remote }),
      agent: failure.mapper,
      details: { jobId: this.#plan.jobId, failure: failureToJson(failure) },
      cause: error,
    });
  }

  /** Ends the phase with `error`; with `cancelRest`, stops every chunk still in flight. */
  #stop(error: MeshError, cancelRest = false): void {
    this.#done = true;
    if (cancelRest) {
      this.#plan.scope.cancel(MeshError.withoutStack('CANCELLED', `map-reduce stopped: ${error.message}`));
    }
    this.#reject(error);
  }

  #finish(): void {
    this.#done = true;
    const results: JsonValue[] = [];
    const chunkIndexes: number[] = [];
    for (let i = 0; i < this.#chunkCount; i++) {
      const value = this.#results[i]!;
      if (value === UNSET) continue;
      results.push(value);
      chunkIndexes.push(i);
    }
    const byIndex = (a: { index: number }, b: { index: number }): number => a.index - b.index;
    this.#resolve({ results, chunkIndexes, failures: this.#failures.sort(byIndex), reassigned: this.#reassigned.sort(byIndex) });
  }
}
