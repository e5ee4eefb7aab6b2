/**
 * A value made on first use and shared after; a failed attempt is not kept, so the next use tries
 * again (a server that was down, or JetStream not enabled yet, should not break a transport for good).
 */
export class Lazy<T> {
  readonly #make: () => Promise<T>;
  #value: Promise<T> | undefined;

  constructor(make: () => Promise<T>) {
    this.#make = make;
  }

  get(): Promise<T> {
    this.#value ??= this.#make().catch((error: unknown) => {
      this.#value = undefined;
      throw error;
    });
    return this.#value;
  }

  /** The value if it was asked for (settled or not), without making it. */
  peek(): Promise<T> | undefined {
    return this.#value;
  }
}
