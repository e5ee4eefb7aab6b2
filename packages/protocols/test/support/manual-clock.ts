import type { Clock, TimerHandle } from '@agentmesh/core';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * Fake time for runs with many thousands of live timers, where vitest's fake timers (a linear scan
 * per fired timer) get quadratic. Timers sit in a binary heap ordered by due time, then by
 * creation; `advance` fires them in that order and lets promise reactions run between instants.
 */
export class ManualClock implements Clock {
  #now = Date.UTC(2030, 0, 1);
  #nextId = 0;
  readonly #heap: Timer[] = [];
  readonly #live = new Set<number>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer: Timer = { id: ++this.#nextId, at: this.#now + Math.max(0, ms), callback };
    this.#live.add(timer.id);
    this.#push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#live.delete(handle as number);
  }

  /** Timers set and neither fired nor cleared. */
  get pendingTimers(): number {
    return this.#live.size;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const top = this.#heap[0];
      if (top === undefined || top.at > end) break;
      this.#now = top.at;
      while (this.#heap[0] !== undefined && this.#heap[0].at === this.#now) {
        const timer = this.#pop();
        if (this.#live.delete(timer.id)) timer.callback();
      }
    }
    this.#now = end;
    await settle();
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): Timer {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
      if (m === i) return top;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

/** Lets every pending promise reaction run (a macrotask turn; no time passes). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
