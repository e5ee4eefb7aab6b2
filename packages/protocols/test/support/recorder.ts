import type { Mesh, Message } from '@agentmesh/core';

/**
 * Records every message that reaches any local agent of `mesh`, before protocols see it. Install it
 * before the protocols: the first inbound middleware is the outermost.
 */
export function recordInbound(mesh: Mesh): { readonly messages: { readonly to: string; readonly from: string | undefined; readonly message: Message }[] } {
  const messages: { to: string; from: string | undefined; message: Message }[] = [];
  mesh.useInbound((call, next) => {
    messages.push({ to: call.agent.name, from: call.context.from, message: call.message });
    return next(call);
  });
  return { messages };
}
