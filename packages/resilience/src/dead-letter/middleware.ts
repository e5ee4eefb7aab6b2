import type { Call, Message, Middleware } from '@agentmesh/core';
import { noop } from '../internal/abort.js';
import { callNext } from '../internal/run.js';
import type { DeadLetterQueue } from './queue.js';

/**
 * Middleware that dead-letters calls that finally fail, then rejects the caller with the typed
 * error (carrying `details.deadLetterId`). A call the mesh abandons at its deadline is stored right
 * then, even if the callee never answers. Use it outermost, outside `retry()`, so only the final
 * failure of a call is stored, with the number of attempts the retry made.
 */
export function deadLetter(queue: DeadLetterQueue): Middleware {
  return (call: Call, next: (call: Call) => Promise<Message>): Promise<Message> => {
    const run = callNext(next, call);
    const cancellation = call.context.cancellation;
    // Only a watched cancellation can end the call without `next` settling (see Cancellation.watched).
    if (!cancellation.watched) return run.then(undefined, async (error: unknown) => Promise.reject(await queue.captureFailure(call, error)));
    let captured: Promise<unknown> | undefined;
    const capture = (error: unknown): Promise<unknown> => (captured ??= queue.captureFailure(call, error));
    let stop = noop;
    stop = cancellation.onCancel((reason) => void capture(reason).catch(noop));
    return run.then(
      (message) => {
        stop();
        return message;
      },
      async (error: unknown) => {
        stop();
        throw await capture(error);
      },
    );
  };
}
