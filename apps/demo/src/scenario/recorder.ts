import { MeshError, type Middleware } from '@agentmesh/core';
import type { TraceEvent } from '../trace.js';

/** Middleware that records every call as arrows for the sequence diagram. */
export function traceRecorder(events: TraceEvent[], startedAt: number): Middleware {
  const at = (): number => performance.now() - startedAt;
  return async (call, next) => {
    const from = call.from ?? 'caller';
    const type = call.message.metadata['type'];
    const label = typeof type === 'string' ? `${call.to} (${type})` : call.to;
    events.push({ kind: 'call', from, to: call.to, label, atMs: at() });
    try {
      const reply = await next(call);
      events.push({ kind: 'reply', from: call.to, to: from, label: 'reply', atMs: at() });
      return reply;
    } catch (error) {
      const code = MeshError.is(error) ? error.code : 'ERROR';
      events.push({ kind: 'error', from: call.to, to: from, label: code, atMs: at() });
      throw error;
    }
  };
}

/** Applies `layers` (outermost first) only to calls to `target`; other calls pass untouched. */
export function forTarget(target: string, layers: readonly Middleware[]): Middleware {
  return (call, next) => {
    if (call.to !== target) return next(call);
    const run = layers.reduceRight<(c: typeof call) => ReturnType<typeof next>>((inner, layer) => (c) => layer(c, inner), next);
    return run(call);
  };
}
