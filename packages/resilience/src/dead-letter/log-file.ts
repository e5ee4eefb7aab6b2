import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeLog, type LoadedLog } from './log-codec.js';

/** Where a compaction writes before it renames over the log. */
export function compactionPath(path: string): string {
  return `${path}.compact.tmp`;
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** fsyncs a directory, so a created or renamed entry in it survives a crash (a no-op where unsupported). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes(errorCode(error) as string)) throw error;
  } finally {
    await handle.close();
  }
}

/**
 * The append-only log file under a FileDeadLetterStore: appends are fsynced before they resolve; a
 * failed append is cut off again so the next one starts on a clean line; a rewrite (compaction)
 * goes to a temp file, is fsynced, renamed over the log, and the directory fsynced.
 */
export class LogFile {
  readonly path: string;
  #handle: FileHandle | undefined;
  #bytes: number;
  #broken: unknown;

  private constructor(path: string, handle: FileHandle, bytes: number) {
    this.path = path;
    this.#handle = handle;
    this.#bytes = bytes;
  }

  /** Opens (or creates) the log, replays it, and cuts a torn tail left by a crash. */
  static async open(path: string): Promise<{ file: LogFile; loaded: LoadedLog; tornBytes: number }> {
    await mkdir(dirname(path), { recursive: true });
    // A compaction that crashed before its rename left the log itself intact.
    await rm(compactionPath(path), { force: true });
    let data: Buffer;
    let created = false;
    try {
      data = await readFile(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      data = Buffer.alloc(0);
      created = true;
    }
    const loaded = decodeLog(data);
    const handle = await open(path, 'a');
    try {
      if (loaded.goodBytes < data.length) {
        await handle.truncate(loaded.goodBytes);
        await handle.sync();
      }
      if (created) await syncDirectory(dirname(path));
    } catch (error) {
      await handle.close();
      throw error;
    }
    return { file: new LogFile(path, handle, loaded.goodBytes), loaded, tornBytes: data.length - loaded.goodBytes };
  }

  /** Bytes in the log. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends `text` and fsyncs; on failure cuts the file back to where it was. */
  async append(text: string): Promise<void> {
    const handle = this.#usable();
    const buffer = Buffer.from(text, 'utf8');
    try {
      for (let written = 0; written < buffer.length; ) {
        written += (await handle.write(buffer, written, buffer.length - written)).bytesWritten;
      }
      await handle.datasync();
      this.#bytes += buffer.length;
    } catch (error) {
      await handle.truncate(this.#bytes).catch(() => undefined);
      throw error;
    }
  }

  /** Replaces the whole log with `text`, atomically and durably. */
  async rewrite(text: string): Promise<void> {
    const old = this.#usable();
    const temp = compactionPath(this.path);
    try {
      const out = await open(temp, 'w');
      try {
        await out.writeFile(text, 'utf8');
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    try {
      await syncDirectory(dirname(this.path));
      this.#handle = await open(this.path, 'a');
      this.#bytes = Buffer.byteLength(text, 'utf8');
    } catch (error) {
      // The old handle now points at the replaced file: never append through it again.
      this.#handle = undefined;
      this.#broken = error;
      throw error;
    } finally {
      await old.close();
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  #usable(): FileHandle {
    if (this.#handle === undefined) throw this.#broken ?? new Error(`log ${this.path} is closed`);
    return this.#handle;
  }
}
