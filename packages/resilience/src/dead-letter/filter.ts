import { invalidOption } from '../internal/validate.js';
import type { DeadLetterFilter, DeadLetterRecord } from './store.js';

/** Checks a filter's fields (INVALID_ARGUMENT on bad ones); undefined passes. */
export function checkFilter(filter: DeadLetterFilter | undefined): void {
  if (filter === undefined) return;
  if (typeof filter !== 'object' || filter === null) throw invalidOption('filter must be an object');
  for (const key of ['target', 'code'] as const) {
    if (filter[key] !== undefined && typeof filter[key] !== 'string') throw invalidOption(`filter.${key} must be a string`);
  }
  for (const key of ['since', 'until', 'limit'] as const) {
    const value = filter[key];
    if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value))) throw invalidOption(`filter.${key} must be a number`);
  }
}

/** True when `record` matches every given field of `filter`. */
export function matchesFilter(record: DeadLetterRecord, filter: DeadLetterFilter): boolean {
  return (
    (filter.target === undefined || record.target === filter.target) &&
    (filter.code === undefined || record.error.code === filter.code) &&
    (filter.since === undefined || record.lastFailedAt >= filter.since) &&
    (filter.until === undefined || record.lastFailedAt < filter.until)
  );
}

/** The records (oldest first, as iterated) matching `filter`, at most `filter.limit`. */
export function selectRecords(records: Iterable<DeadLetterRecord>, filter: DeadLetterFilter | undefined): DeadLetterRecord[] {
  checkFilter(filter);
  const limit = filter?.limit ?? Infinity;
  const out: DeadLetterRecord[] = [];
  if (limit <= 0) return out;
  for (const record of records) {
    if (filter !== undefined && !matchesFilter(record, filter)) continue;
    out.push(record);
    if (out.length >= limit) break;
  }
  return out;
}
