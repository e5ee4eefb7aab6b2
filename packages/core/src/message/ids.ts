import { randomBytes } from 'node:crypto';

// Ids are a random per-process prefix plus a counter: distinct across processes, and several
// times cheaper than randomUUID on the hot path (see DESIGN.md's budget). The prefix is renewed
// when the counter wraps, so ids never repeat within a process either.
let prefix = newPrefix();
let counter = 0;

function newPrefix(): string {
  return `${randomBytes(9).toString('base64url')}-`;
}

/** A new id, distinct across processes and never repeated within one. */
export function nextId(): string {
  if (++counter === Number.MAX_SAFE_INTEGER) {
    prefix = newPrefix();
    counter = 1;
  }
  return prefix + counter;
}
