import type { InvokeOptions, RequestContext } from '@agentmesh/core';

/** InvokeOptions from values that may be undefined (left out, as exactOptionalPropertyTypes wants). */
export function invokeOptions(from: string | undefined, context: RequestContext | undefined, timeoutMs: number | undefined, signal: AbortSignal | undefined): InvokeOptions {
  const options: { -readonly [K in keyof InvokeOptions]: InvokeOptions[K] } = {};
  if (from !== undefined) options.from = from;
  if (context !== undefined) options.context = context;
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  if (signal !== undefined) options.signal = signal;
  return options;
}
