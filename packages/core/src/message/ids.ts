import { randomBytes } from 'node:crypto';

// Ids are a random per-process prefix plus a counter: distinct across processes, and several
// times cheaper than randomUUID on the hot path (see DESIGN.md's budget). The counter is kept as
// a head that changes every 1000 ids plus a precomputed three-digit tail, so making an id is one
// string concatenation and no number formatting.
const TAILS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const PREFIX = `${randomBytes(9).toString('base64url')}-`;
let high = 0;
let low = 0;
let head = `${PREFIX}0.`;

/** A new id, distinct across processes and never repeated within one. */
export function nextId(): string {
  if (++low === 1000) {
    low = 0;
    head = `${PREFIX}${(++high).toString(36)}.`;
  }
  return head + TAILS[low]!;
}
