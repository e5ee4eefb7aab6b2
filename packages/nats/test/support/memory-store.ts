import { MemoryDeadLetterStore } from '@agentmesh/resilience';
import type { DeadLetterRecord } from '@agentmesh/resilience';

/** @agentmesh/resilience's memory store, told to fail its next `failPuts` puts (and counting them). */
export class FlakyDeadLetterStore extends MemoryDeadLetterStore {
  failPuts = 0;
  putCalls = 0;

  override put(record: DeadLetterRecord): Promise<void> {
    this.putCalls++;
    if (this.failPuts > 0) {
      this.failPuts--;
      return Promise.reject(new Error('store unavailable'));
    }
    return super.put(record);
  }
}
