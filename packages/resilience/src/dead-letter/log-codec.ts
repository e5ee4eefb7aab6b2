import { crc32 } from 'node:zlib';
import type { DeadLetterRecord } from './store.js';

/** One line of the file store's log. */
export type LogEntry =
  | { readonly op: 'put'; readonly record: DeadLetterRecord }
  | { readonly op: 'del'; readonly id: string }
  | { readonly op: 'purge' };

const NEWLINE = 0x0a;

/**
 * Frames an entry as one line: the CRC-32 of its JSON in 8 hex digits, a space, the JSON, "\n".
 * JSON escapes newlines inside strings, so a line never contains a raw one.
 */
export function encodeEntry(entry: LogEntry): string {
  const json = JSON.stringify(entry);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** Parses one line (without its "\n"); undefined when its checksum or shape is wrong. */
export function decodeLine(line: string): LogEntry | undefined {
  if (line.length < 10 || line[8] !== ' ') return undefined;
  const checksum = line.slice(0, 8);
  const json = line.slice(9);
  if (!/^[0-9a-f]{8}$/.test(checksum) || Number.parseInt(checksum, 16) !== crc32(json)) return undefined;
  try {
    const entry = JSON.parse(json) as Partial<{ op: unknown; record: { id?: unknown }; id: unknown }>;
    if (entry.op === 'put' && typeof entry.record?.id === 'string') return entry as LogEntry;
    if (entry.op === 'del' && typeof entry.id === 'string') return entry as LogEntry;
    if (entry.op === 'purge') return entry as LogEntry;
  } catch {
    // A checksum collision on garbage: treat as corrupt.
  }
  return undefined;
}

/** The state rebuilt from a log. */
export interface LoadedLog {
  /** Live records, in the order of their first put. */
  readonly records: Map<string, DeadLetterRecord>;
  /** Bytes up to the end of the last good line; anything after is a torn tail to cut. */
  readonly goodBytes: number;
  /** Lines that no longer describe a live record (overwritten, removed, corrupt). */
  readonly garbage: number;
  /** Complete lines whose checksum failed (skipped). */
  readonly corrupt: number;
}

/** Replays a log. A torn last line (no "\n", or a bad checksum at the end) is left out of goodBytes. */
export function decodeLog(data: Buffer): LoadedLog {
  const records = new Map<string, DeadLetterRecord>();
  let lines = 0;
  let corrupt = 0;
  let goodBytes = 0;
  let start = 0;
  for (let end = data.indexOf(NEWLINE, start); end !== -1; start = end + 1, end = data.indexOf(NEWLINE, start)) {
    const entry = decodeLine(data.toString('utf8', start, end));
    if (entry === undefined) {
      corrupt++;
      continue;
    }
    lines++;
    goodBytes = end + 1;
    if (entry.op === 'put') records.set(entry.record.id, entry.record);
    else if (entry.op === 'del') records.delete(entry.id);
    else records.clear();
  }
  // Corrupt lines after the last good one belong to the torn tail being cut, not to the garbage.
  const kept = corrupt - countLines(data, goodBytes);
  return { records, goodBytes, garbage: lines - records.size + kept, corrupt: kept };
}

function countLines(data: Buffer, from: number): number {
  let count = 0;
  for (let i = data.indexOf(NEWLINE, from); i !== -1; i = data.indexOf(NEWLINE, i + 1)) count++;
  return count;
}
