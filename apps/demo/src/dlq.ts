import { join } from 'node:path';
import { createMesh } from '@agentmesh/core';
import { DeadLetterQueue, FileDeadLetterStore } from '@agentmesh/resilience';
import { hostSpecialists } from './scenario/specialists.js';
import { renderTable } from './table.js';

/** The scenario's dead letter log inside `dir`. */
export function dlqPath(dir: string): string {
  return join(dir, 'dead-letters.log');
}

/** `dlq list`: every record, oldest first. */
export async function listDeadLetters(dir: string, write: (line: string) => void): Promise<number> {
  const store = await FileDeadLetterStore.open({ path: dlqPath(dir) });
  try {
    const records = await store.list();
    if (records.length === 0) {
      write(`No dead letters in ${dlqPath(dir)}.`);
      return 0;
    }
    write(
      renderTable(
        ['id', 'target', 'code', 'attempts', 'last failure', 'message'],
        records.map((r) => [r.id, r.target, r.error.code, r.attempts, new Date(r.lastFailedAt).toISOString(), JSON.stringify(r.message.content).slice(0, 48)]),
      ),
    );
    return records.length;
  } finally {
    await store.close();
  }
}

/**
 * `dlq replay`: re-delivers to freshly started specialists (the pager outage of the run is over),
 * removing what succeeds and keeping what fails, with its attempts updated.
 */
export async function replayDeadLetters(dir: string, target: { id: string } | { all: true }, write: (line: string) => void): Promise<{ succeeded: number; failed: number; skipped: number }> {
  const store = await FileDeadLetterStore.open({ path: dlqPath(dir) });
  const mesh = createMesh({ defaultTimeoutMs: 10_000 });
  try {
    // The seed only shapes log analysis; the pager and the rest behave the same for any seed.
    await hostSpecialists(mesh, ['analysis', 'operations'], 0);
    const dlq = new DeadLetterQueue({ store, mesh });
    const result = await dlq.replay('id' in target ? target.id : {});
    for (const id of result.succeeded) write(`replayed ${id}: delivered, removed`);
    for (const f of result.failed) write(`replayed ${f.id}: failed again (${f.error.code}: ${f.error.message}), kept`);
    for (const id of result.skipped) write(`skipped ${id}: not found or already being replayed`);
    write(`${result.succeeded.length} delivered, ${result.failed.length} failed, ${result.skipped.length} skipped; ${await dlq.size()} left`);
    return { succeeded: result.succeeded.length, failed: result.failed.length, skipped: result.skipped.length };
  } finally {
    await mesh.close();
    await store.close();
  }
}
