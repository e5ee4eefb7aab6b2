/**
 * Reports an error thrown by a user callback (an event listener, `onRetry`) without letting it
 * change the outcome of the call that ran it: a process warning, visible and never fatal.
 */
export function reportCallbackError(error: unknown, where: string): void {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.emitWarning(`@agentmesh/resilience: ${where} threw (${detail}); the error was ignored`, 'ResilienceCallbackWarning');
}

/** Calls `callback(arg)`, reporting (never rethrowing) what it throws. */
export function safeCall<A>(callback: (arg: A) => void, arg: A, where: string): void {
  try {
    callback(arg);
  } catch (error) {
    reportCallbackError(error, where);
  }
}

/**
 * Asks a user predicate (`retryOn`, `shouldDeadLetter`); one that throws is reported and answered
 * with `fallback`, so the caller still gets the original error rather than the predicate's.
 */
export function safePredicate<A, B>(predicate: (a: A, b: B) => boolean, a: A, b: B, fallback: boolean, where: string): boolean {
  try {
    return predicate(a, b);
  } catch (error) {
    reportCallbackError(error, where);
    return fallback;
  }
}
