import { MeshError, type Cancellation } from '@agentmesh/core';

/**
 * The signal handed to work when the caller gave none. Shared and never aborted, so running work
 * costs no AbortController (as cockatiel does). Work should not leave listeners on it.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** The typed error for an aborted signal: its reason when that is a MeshError, else CANCELLED. */
export function abortReason(signal: AbortSignal, what: string): MeshError {
  const reason: unknown = signal.reason;
  if (MeshError.is(reason)) return reason;
  const why = reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  const code = reason instanceof Error && reason.name === 'TimeoutError' ? 'TIMEOUT' : 'CANCELLED';
  return MeshError.withoutStack(code, `${what} was ${code === 'TIMEOUT' ? 'timed out' : 'cancelled'}${why}`, { cause: reason });
}

/** Something that may abort: a call's Cancellation or a caller's AbortSignal, seen the same way. */
export interface AbortWatch {
  /** The abort reason, once aborted. */
  reason(): MeshError | undefined;
  /** Runs `listener` once on abort; returns the function that removes it. Only call while not aborted. */
  listen(listener: (reason: MeshError) => void): () => void;
}

const NOTHING: AbortWatch = { reason: () => undefined, listen: () => noop };

/** Watches a core Cancellation (no AbortSignal is created). */
export function watchCancellation(cancellation: Cancellation): AbortWatch {
  return { reason: () => cancellation.reason, listen: (listener) => cancellation.onCancel(listener) };
}

/** Watches an AbortSignal, when given. */
export function watchSignal(signal: AbortSignal | undefined, what: string): AbortWatch {
  if (signal === undefined || signal === NEVER_ABORTED) return NOTHING;
  return {
    reason: () => (signal.aborted ? abortReason(signal, what) : undefined),
    listen: (listener) => {
      const onAbort = (): void => listener(abortReason(signal, what));
      signal.addEventListener('abort', onAbort, { once: true });
      return () => signal.removeEventListener('abort', onAbort);
    },
  };
}

/** True for errors that mean the work was abandoned by its caller, which no policy retries or counts. */
export function isAbort(error: unknown): boolean {
  if (MeshError.is(error)) return error.code === 'CANCELLED';
  return error instanceof Error && error.name === 'AbortError';
}

/** Does nothing (a shared function, so removing nothing allocates nothing). */
export function noop(): void {}

/** Aborts when either does. */
export function watchEither(a: AbortWatch, b: AbortWatch): AbortWatch {
  if (a === NOTHING) return b;
  if (b === NOTHING) return a;
  return {
    reason: () => a.reason() ?? b.reason(),
    listen: (listener) => {
      const stopA = a.listen(listener);
      const stopB = b.listen(listener);
      return () => {
        stopA();
        stopB();
      };
    },
  };
}
