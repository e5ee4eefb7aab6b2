import type { MeshError } from '../errors/mesh-error.js';

type Listener = (reason: MeshError) => void;

/**
 * The cancellation state of one call, cheap enough for the hot path: an AbortSignal is only created
 * when somebody reads {@link Cancellation.signal} (AbortSignal costs ~10 µs; this costs nothing until
 * used). Transports receive one per request and must cancel the remote side when it fires.
 *
 * A child (`new Cancellation(parent)`) is cancelled with its parent. It links to the parent only
 * while somebody listens to it (or reads its signal), and unlinks when the last listener is
 * removed, so deriving many children from a long-lived parent leaves nothing behind.
 */
export class Cancellation {
  /**
   * True when some component already enforces the deadline of the context that owns this
   * cancellation (the mesh sets it per call), so inner steps need not watch it again.
   */
  watched = false;
  /**
   * Who started the call this cancellation belongs to (the mesh sets itself), inherited by
   * children. Never crosses a transport: a serving mesh uses it to tell its own calls from others'.
   */
  origin: object | undefined;
  readonly #parent: Cancellation | undefined;
  #reason: MeshError | undefined;
  #controller: AbortController | undefined;
  #listeners: Set<Listener> | undefined;
  #unlinkParent: (() => void) | undefined;

  constructor(parent?: Cancellation) {
    this.#parent = parent;
    this.origin = parent?.origin;
  }

  /** Why the call was cancelled (a TIMEOUT or CANCELLED MeshError), or undefined while it runs. */
  get reason(): MeshError | undefined {
    return this.#reason ?? this.#parent?.reason;
  }

  /** True once cancelled (or once the parent was). */
  get cancelled(): boolean {
    return this.reason !== undefined;
  }

  /** An AbortSignal that aborts with the same reason; created on first read. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      const reason = this.reason;
      if (reason !== undefined) this.#controller.abort(reason);
      else this.#linkParent();
    }
    return this.#controller.signal;
  }

  /**
   * Cancels once; later calls are ignored. Listeners run synchronously, each at most once. A
   * listener that throws does not stop the others nor the canceller (the mesh's deadline timer,
   * a caller's rejection): its error is rethrown on its own, as an AbortSignal listener's would be.
   */
  cancel(reason: MeshError): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#unlink();
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    if (listeners === undefined) return;
    this.#listeners = undefined;
    for (const listener of listeners) {
      try {
        listener(reason);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /**
   * Runs `listener` when cancelled (at once if already). Returns the function that removes it;
   * call it when the work ends so long-lived cancellations do not collect listeners.
   */
  onCancel(listener: Listener): () => void {
    const reason = this.reason;
    if (reason !== undefined) {
      listener(reason);
      return noop;
    }
    (this.#listeners ??= new Set()).add(listener);
    this.#linkParent();
    return () => {
      const listeners = this.#listeners;
      if (listeners === undefined || !listeners.delete(listener)) return;
      if (listeners.size === 0 && this.#controller === undefined) this.#unlink();
    };
  }

  /** How many listeners are registered (for leak tests). */
  get listenerCount(): number {
    return this.#listeners?.size ?? 0;
  }

  #linkParent(): void {
    if (this.#parent === undefined || this.#unlinkParent !== undefined) return;
    this.#unlinkParent = this.#parent.onCancel((reason) => this.cancel(reason));
  }

  #unlink(): void {
    const unlink = this.#unlinkParent;
    this.#unlinkParent = undefined;
    unlink?.();
  }
}

function noop(): void {}
