import { MeshError } from '@agentmesh/core';
import { MemoryDeadLetterStore } from '@agentmesh/resilience';
import type { DeadLetterRecord } from '@agentmesh/resilience';

/** @agentmesh/resilience's memory store, told to fail its next `failPuts` puts (and counting them). */
export class FlakyDeadLetterStore extends MemoryDeadLetterStore {
  failPuts = 0;
  putCalls = 0;
  /** Refuses records whose message is larger than this many bytes of JSON, as a real store would. */
  maxRecordBytes = Infinity;

  override put(record: DeadLetterRecord): Promise<void> {
    this.putCalls++;
    if (this.failPuts > 0) {
      this.failPuts--;
      return Promise.reject(new Error('store unavailable'));
    }
    if (JSON.stringify(record.message).length > this.maxRecordBytes) {
      return Promise.reject(new MeshError('INVALID_MESSAGE', 'the payload exceeds the store limit'));
    }
    return super.put(record);
  }
}
