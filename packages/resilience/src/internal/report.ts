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
