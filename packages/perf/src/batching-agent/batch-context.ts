import { Cancellation, RequestContext, nextId, type MeshError, type RequestContextInit } from '@agentmesh/core';

type Logger = RequestContextInit['logger'];

/** The context of one combined call, and how to stop it listening to its callers. */
export interface BatchContext {
  readonly context: RequestContext;
  /** Removes the listeners on the callers' cancellations; call it when the batch settles. */
  readonly dispose: () => void;
}

function noop(): void {}

/**
 * The context a batch runs under, derived from its callers' contexts so downstream calls made
 * with it keep the rules: the first caller's trace, the deepest caller's depth (so loops still
 * hit MAX_DEPTH), the latest deadline (the batch is useful until its last caller gives up) and
 * a cancellation that fires once every caller has cancelled. A batch of one runs under its
 * caller's own context.
 */
export function batchContext(contexts: readonly RequestContext[], agentName: string, logger: Logger | undefined): BatchContext {
  const first = contexts[0]!;
  if (contexts.length === 1) return { context: first, dispose: noop };
  let deadline: number | undefined = first.deadline;
  let depth = first.depth;
  let principal = first.principal;
  for (const ctx of contexts) {
    deadline = ctx.deadline === undefined || deadline === undefined ? undefined : Math.max(deadline, ctx.deadline);
    depth = Math.max(depth, ctx.depth);
    if (ctx.principal?.id !== principal?.id) principal = undefined;
  }
  const cancellation = new Cancellation();
  let waiting = contexts.length;
  const onCallerCancelled = (reason: MeshError): void => {
    if (--waiting === 0) cancellation.cancel(reason);
  };
  const unlinks = contexts.map((ctx) => ctx.cancellation.onCancel(onCallerCancelled));
  const context = new RequestContext({
    requestId: nextId(),
    agentName,
    deadline,
    depth,
    traceId: first.traceId,
    spanId: nextId(),
    parentSpanId: first.spanId,
    principal,
    cancellation,
    logger: logger ?? first.logger,
    clock: first.clock,
  });
  return { context, dispose: () => unlinks.forEach((unlink) => unlink()) };
}
