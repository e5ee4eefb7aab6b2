import { MeshError, createMessage, type JsonObject, type JsonValue, type Message } from '@agentmesh/core';
import type { ChunkAttemptFailure, ChunkFailure } from './types.js';

/** The metadata key under which chunk and reduce messages carry their map-reduce facts. */
export const MAP_REDUCE_METADATA_KEY = 'mapReduce';

/** Which chunk a mapper is looking at (from `metadata.mapReduce` of a chunk message). */
export interface ChunkInfo {
  readonly jobId: string;
  /** 0-based; chunk `i` holds the `i`-th slice of the data. */
  readonly chunkIndex: number;
  readonly chunkCount: number;
  /** 1 on the first try, higher when the chunk was reassigned. */
  readonly attempt: number;
}

/** A chunk as a mapper receives it: the items (a JSON array, the message content) and its facts. */
export interface Chunk<TItem extends JsonValue = JsonValue> extends ChunkInfo {
  readonly items: TItem[];
}

/** Builds the message for one chunk: content is the items themselves, never a string. */
export function chunkMessage(items: JsonValue[], info: ChunkInfo, extra: JsonObject | undefined): Message {
  const facts: JsonObject = { jobId: info.jobId, chunkIndex: info.chunkIndex, chunkCount: info.chunkCount, attempt: info.attempt };
  return createMessage({ content: items, metadata: { ...extra, [MAP_REDUCE_METADATA_KEY]: facts } });
}

/**
 * Reads a chunk message (what a mapper agent receives). Throws INVALID_MESSAGE when the message is
 * not one, so a mapper called by mistake fails clearly instead of mapping garbage.
 */
export function readChunk<TItem extends JsonValue = JsonValue>(message: Message): Chunk<TItem> {
  const facts = message.metadata[MAP_REDUCE_METADATA_KEY];
  if (!Array.isArray(message.content) || typeof facts !== 'object' || facts === null || Array.isArray(facts)) {
    throw new MeshError('INVALID_MESSAGE', 'not a map-reduce chunk: expected an array content and metadata.mapReduce');
  }
  const { jobId, chunkIndex, chunkCount, attempt } = facts;
  if (typeof jobId !== 'string' || !isIndex(chunkIndex) || !isIndex(chunkCount) || !isIndex(attempt)) {
    throw new MeshError('INVALID_MESSAGE', 'malformed metadata.mapReduce: expected jobId, chunkIndex, chunkCount and attempt');
  }
  return { items: message.content as TItem[], jobId, chunkIndex, chunkCount, attempt };
}

function isIndex(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The JSON form of an attempt failure (for metadata and error details). */
export function attemptToJson(failure: ChunkAttemptFailure): JsonObject {
  const out: JsonObject = { mapper: failure.mapper, code: failure.code, message: failure.message, retryable: failure.retryable };
  if (failure.remote !== undefined) {
    const { name, message, code } = failure.remote;
    out['remote'] = code === undefined ? { name, message } : { name, message, code };
  }
  return out;
}

/** The JSON form of a chunk failure (for metadata and error details). */
export function failureToJson(failure: ChunkFailure): JsonObject {
  return { index: failure.index, size: failure.size, ...attemptToJson(failure), attempts: failure.attempts.map(attemptToJson) };
}
