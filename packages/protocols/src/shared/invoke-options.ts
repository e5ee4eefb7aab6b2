import type { InvokeOptions, JsonValue, RequestContext } from '@agentmesh/core';

/**
 * Builds `mesh.invoke` options without `undefined` members (the mesh treats absent and undefined
 * alike, the types do not). Positional, so the hot path builds exactly one object.
 */
export function invokeOptions(
  from: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  context: RequestContext | undefined,
  onProgress?: (data: JsonValue) => void,
): InvokeOptions {
  const out: { -readonly [K in keyof InvokeOptions]: InvokeOptions[K] } = { from, timeoutMs };
  if (signal !== undefined) out.signal = signal;
  if (context !== undefined) out.context = context;
  if (onProgress !== undefined) out.onProgress = onProgress;
  return out;
}
