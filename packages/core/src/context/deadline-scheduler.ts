import { MeshError } from '../errors/mesh-error.js';
import { MAX_TIMER_MS, type Clock, type TimerHandle } from './clock.js';


/** Whatever wants to hear about a passed deadline (an object, so callers need not allocate closures). */
export interface DeadlineTarget {
  onDeadline(): void;
}

/** One scheduled expiry; keep it to cancel. */
export interface DeadlineEntry {
  /** @internal */ bucket: Bucket | undefined;
  /** @internal */ prev: DeadlineEntry | undefined;
  /** @internal */ next: DeadlineEntry | undefined;
  /** @internal */ readonly target: DeadlineTarget;
}

interface Bucket {
  readonly at: number;
  head: DeadlineEntry | undefined;
  size: number;
}

/**
 * Expires many deadlines with one timer. Entries are grouped in buckets by their millisecond;
 * adding and removing an entry is O(1) (a Map lookup and a linked-list splice), and the single
 * timer is armed for the earliest bucket that still holds entries. A per-call setTimeout would
 * cost more than the whole in-process call.
 */
export class DeadlineScheduler {
  readonly #clock: Clock;
  readonly #buckets = new Map<number, Bucket>();
  readonly #heap: number[] = [];
  #timer: TimerHandle;
  #armedAt = Infinity;
  #referenced = false;
  #idleCheck = false;
  #size = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Number of live entries (for leak tests). */
  get size(): number {
    return this.#size;
  }

  /**
   * True while a timer keeps the process alive. With no live entries the timer is unref'd rather
   * than cleared, so back-to-back calls do not pay setTimeout/clearTimeout each.
   */
  get holdsProcess(): boolean {
    return this.#timer !== undefined && this.#referenced;
  }

  /**
   * Calls `target.onDeadline()` once `deadline` (epoch ms) has passed, unless cancelled first.
   * @throws MeshError INVALID_ARGUMENT for a deadline that is not a number (NaN would sit at the
   * top of the heap and stop every later deadline from firing).
   */
  schedule(deadline: number, target: DeadlineTarget): DeadlineEntry {
    if (typeof deadline !== 'number' || Number.isNaN(deadline)) throw new MeshError('INVALID_ARGUMENT', `a deadline must be epoch milliseconds, got ${String(deadline)}`);
    const at = Math.ceil(deadline);
    let bucket = this.#buckets.get(at);
    if (bucket === undefined) {
      bucket = { at, head: undefined, size: 0 };
      this.#buckets.set(at, bucket);
      heapPush(this.#heap, at);
    }
    const entry: DeadlineEntry = { bucket, prev: undefined, next: bucket.head, target };
    if (bucket.head !== undefined) bucket.head.prev = entry;
    bucket.head = entry;
    bucket.size++;
    this.#size++;
    if (at < this.#armedAt) this.#arm(at);
    else if (!this.#referenced) this.#setReferenced(true);
    return entry;
  }

  /** Removes an entry; a no-op if it already expired or was cancelled. */
  cancel(entry: DeadlineEntry): void {
    const bucket = entry.bucket;
    if (bucket === undefined) return;
    entry.bucket = undefined;
    if (entry.prev !== undefined) entry.prev.next = entry.next;
    else bucket.head = entry.next;
    if (entry.next !== undefined) entry.next.prev = entry.prev;
    entry.prev = entry.next = undefined;
    bucket.size--;
    // Empty buckets stay until their time comes (the timer drops them), so a burst of calls in one
    // millisecond reuses one bucket instead of churning the map and the heap.
    if (--this.#size === 0 && this.#referenced && !this.#idleCheck) {
      // Unref once the burst is over, not after every call: ref/unref each call costs more than the call.
      this.#idleCheck = true;
      setImmediate(this.#releaseIfIdle).unref();
    }
  }

  readonly #releaseIfIdle = (): void => {
    this.#idleCheck = false;
    if (this.#size === 0 && this.#referenced) this.#setReferenced(false);
  };

  #arm(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#referenced = true;
    // Timers take at most 2^31-1 ms (a longer delay fires after 1 ms); a far deadline re-arms then.
    this.#timer = this.#clock.setTimeout(this.#fire, Math.min(MAX_TIMER_MS, Math.max(0, at - this.#clock.now())));
  }

  #setReferenced(referenced: boolean): void {
    this.#referenced = referenced;
    const timer = this.#timer as { ref?: () => void; unref?: () => void } | undefined;
    if (referenced) timer?.ref?.();
    else timer?.unref?.();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    this.#referenced = false;
    const now = this.#clock.now();
    const heap = this.#heap;
    try {
      while (heap.length > 0 && heap[0]! <= now) {
        const at = heapPop(heap);
        const bucket = this.#buckets.get(at);
        if (bucket === undefined) continue;
        this.#buckets.delete(at);
        if (bucket.size > 0) this.#expire(bucket);
      }
    } finally {
      // Even if an expiry callback threw, the deadlines after it must still fire.
      // Drop buckets that emptied before their time; arm for the first one still holding entries.
      while (heap.length > 0 && (this.#buckets.get(heap[0]!)?.size ?? 0) === 0) {
        this.#buckets.delete(heapPop(heap));
      }
      if (heap.length > 0 && heap[0]! < this.#armedAt) this.#arm(heap[0]!);
    }
  };

  #expire(bucket: Bucket): void {
    // Take entries from the head one at a time: an expiry callback may cancel a sibling entry.
    let entry: DeadlineEntry | undefined;
    while ((entry = bucket.head) !== undefined) {
      bucket.head = entry.next;
      if (entry.next !== undefined) entry.next.prev = undefined;
      entry.bucket = undefined;
      entry.next = undefined;
      bucket.size--;
      this.#size--;
      try {
        entry.target.onDeadline();
      } catch (error) {
        // One failing target must not keep the others (in this bucket or later) from expiring.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

function heapPush(heap: number[], value: number): void {
  let i = heap.push(value) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! <= value) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = value;
}

function heapPop(heap: number[]): number {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length > 0) {
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && heap[r]! < heap[l]! ? r : l;
      if (heap[c]! >= last) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
  }
  return top;
}
