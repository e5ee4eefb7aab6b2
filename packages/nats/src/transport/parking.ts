/**
 * The caller's view of the connection: while it is down, requests wait here (bounded) and go out
 * when it is back; for a grace period after a reconnect, "no responders" may only mean that the
 * serving side has not re-subscribed yet.
 */
export class Parking<T> {
  connected = true;
  #reconnectedAt = -Infinity;
  #parked: T[] = [];

  constructor(
    readonly max: number,
    readonly graceMs: number,
    readonly isWaiting: (item: T) => boolean,
  ) {}

  /** Parks `item`; false when the lot is full (of requests still waiting). */
  park(item: T): boolean {
    if (this.#parked.length >= this.max) this.#parked = this.#parked.filter(this.isWaiting);
    if (this.#parked.length >= this.max) return false;
    this.#parked.push(item);
    return true;
  }

  /** Within the grace period after the last reconnect. */
  get inGrace(): boolean {
    return performance.now() - this.#reconnectedAt < this.graceMs;
  }

  disconnected(): void {
    this.connected = false;
  }

  /** Marks the connection back and hands out what still waits, in order. */
  reconnected(): T[] {
    this.connected = true;
    this.#reconnectedAt = performance.now();
    const parked = this.#parked;
    this.#parked = [];
    return parked.filter(this.isWaiting);
  }

  clear(): void {
    this.#parked = [];
  }
}
