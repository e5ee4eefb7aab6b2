import type { Cancellation } from '../context/cancellation.js';
import type { DeadlineEntry, DeadlineScheduler } from '../context/deadline-scheduler.js';
import { cancelledError, timeoutError } from '../context/request-context.js';
import type { MeshError } from '../errors/mesh-error.js';
import type { Message } from '../message/message.js';
import { replyError } from '../transport/envelope.js';
import type { ReplyEnvelope } from '../transport/types.js';

/**
 * A call that can end before its work does: at its deadline (TIMEOUT), when the caller's signal
 * aborts (CANCELLED) or when the parent call is cancelled (the parent's reason). Whichever comes
 * first settles the caller and cancels the callee; the timer entry and every listener are removed
 * on every path. Calls with one of those sources pay for this object, and so do calls whose answer
 * is a foreign thenable (it settles them once, whatever the thenable does); a plain promise
 * without a deadline is followed directly.
 */
export class PendingCall {
  readonly promise: Promise<Message>;
  #resolve!: (message: Message) => void;
  #reject!: (error: unknown) => void;
  readonly #to: string;
  readonly #deadline: number;
  readonly #cancellation: Cancellation;
  readonly #scheduler: DeadlineScheduler;
  readonly #onSettled: (() => void) | undefined;
  #entry: DeadlineEntry | undefined;
  #unlinkParent: (() => void) | undefined;
  #signal: AbortSignal | undefined;
  #done = false;

  constructor(
    to: string,
    cancellation: Cancellation,
    scheduler: DeadlineScheduler,
    deadline: number | undefined,
    onSettled?: () => void,
  ) {
    this.promise = new Promise<Message>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#to = to;
    this.#cancellation = cancellation;
    this.#scheduler = scheduler;
    this.#onSettled = onSettled;
    this.#deadline = deadline ?? Infinity;
    if (deadline !== undefined) this.#entry = scheduler.schedule(deadline, this);
  }

  /** Also ends when `parent` is cancelled. */
  linkParent(parent: Cancellation): void {
    if (this.#done) return;
    const unlink = parent.onCancel((reason) => this.#abort(reason));
    if (this.#done) unlink();
    else this.#unlinkParent = unlink;
  }

  /** Also ends when `signal` aborts. */
  linkSignal(signal: AbortSignal): void {
    if (this.#done) return;
    if (signal.aborted) {
      this.#abort(cancelledError(this.#to, signal.reason));
      return;
    }
    this.#signal = signal;
    signal.addEventListener('abort', this);
  }

  /** Settles with the work's outcome, unless the call already ended. */
  follow(work: PromiseLike<Message>): void {
    this.#subscribe(work, (message) => {
      if (this.#finish()) this.#resolve(message);
    });
  }

  /** Settles with a transport reply's outcome, unless the call already ended. */
  followReply(reply: PromiseLike<ReplyEnvelope>): void {
    this.#subscribe(reply, (envelope) => {
      if (!this.#finish()) return;
      try {
        if (envelope.ok) this.#resolve(envelope.message);
        else this.#reject(replyError(envelope));
      } catch (error) {
        // A transport that resolved with something that is not a reply envelope.
        this.#reject(error);
      }
    });
  }

  /** Subscribes to `source`; a `then` that throws (a broken thenable) ends the call with that error. */
  #subscribe<T>(source: PromiseLike<T>, onValue: (value: T) => void): void {
    const onError = (error: unknown): void => {
      if (this.#finish()) this.#reject(error);
    };
    try {
      source.then(onValue, onError);
    } catch (error) {
      onError(error);
    }
  }

  /** @internal DeadlineTarget */
  onDeadline(): void {
    this.#entry = undefined;
    this.#abort(timeoutError(this.#to, this.#deadline));
  }

  /** @internal EventListener for the caller's signal. */
  handleEvent(): void {
    this.#abort(cancelledError(this.#to, this.#signal?.reason));
  }

  #abort(reason: MeshError): void {
    if (!this.#finish()) return;
    // The caller hears first: whatever the callee's cancel listeners do, the call is settled.
    this.#reject(reason);
    this.#cancellation.cancel(reason);
  }

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    if (this.#entry !== undefined) this.#scheduler.cancel(this.#entry);
    this.#entry = undefined;
    this.#unlinkParent?.();
    this.#unlinkParent = undefined;
    this.#signal?.removeEventListener('abort', this);
    this.#signal = undefined;
    this.#onSettled?.();
    return true;
  }
}
