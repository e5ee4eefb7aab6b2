import { Agent, createMesh, type Message } from '@agentmesh/core';
import { defineRequest, HandshakeProtocol, RequestReplyProtocol } from '@agentmesh/protocols';
import { z } from 'zod';
import type { BenchSuite } from '../harness.js';

const BATCH = 1000;

class Worker extends Agent {}

/**
 * Typed request-reply (`sendRequest` with a `defineRequest` schema: payload checked before sending,
 * answer checked on return) vs a plain `mesh.invoke` of an agent doing the same work by hand, on
 * the same mesh in the same run. The reference builds its message per call with the type in
 * metadata, as application code does; the prebuilt-message case shows the mesh's floor. Both
 * protocols are installed, so the plain calls pay for their inbound middleware too, as they would
 * in an application that uses them.
 */
export default async function protocolSuites(): Promise<BenchSuite[]> {
  const Lookup = defineRequest('lookup', {
    input: z.object({ sku: z.string().min(1), quantity: z.number().int().positive() }),
    output: z.object({ sku: z.string(), inStock: z.boolean() }),
  });
  const mesh = createMesh();
  new HandshakeProtocol(mesh);
  const protocol = new RequestReplyProtocol(mesh);
  const worker = new Worker({ name: 'inventory' });
  await mesh.register(worker);
  await mesh.register(new Worker({ name: 'shop' }));
  protocol.handleRequest(worker, Lookup, (input) => ({ sku: input.sku, inStock: input.quantity < 10 }));
  await mesh.register(
    new (class extends Agent {
      override handle(message: Message) {
        const input = message.content as { sku: string; quantity: number };
        return { sku: input.sku, inStock: input.quantity < 10 };
      }
    })({ name: 'inventory-plain' }),
  );

  const payload = { sku: 'A-1', quantity: 3 };
  // What an application writes without the protocol: a message per call, its type in metadata.
  const invoke = () => mesh.invoke('inventory-plain', { content: payload, metadata: { type: 'lookup' } }, { from: 'shop' });
  // The mesh's floor: one prebuilt message object reused for every call (as core.bench.ts does).
  const prebuilt: Message = { id: 'm-1', role: 'user', content: payload, metadata: { type: 'lookup' } };
  const invokePrebuilt = () => mesh.invoke('inventory-plain', prebuilt, { from: 'shop' });
  // The same checks written by hand around a plain call: what the protocol replaces.
  const byHand = () => {
    const checked = Lookup.input.safeParse(payload);
    if (!checked.success) return Promise.reject(checked.error);
    return mesh.invoke('inventory-plain', { content: payload, metadata: { type: 'lookup' } }, { from: 'shop' }).then((reply) => Lookup.output.parse(reply.content));
  };
  const typed = () => protocol.sendRequest('shop', 'inventory', Lookup, payload);
  const untyped = () => protocol.sendRequest('shop', 'inventory-plain', 'lookup', payload);

  const sequential = (call: () => Promise<unknown>) => async () => {
    for (let i = 0; i < BATCH; i++) await call();
  };
  const concurrent = (call: () => Promise<unknown>) => async () => {
    const calls = new Array<Promise<unknown>>(BATCH);
    for (let i = 0; i < BATCH; i++) calls[i] = call();
    await Promise.all(calls);
  };
  const cases = (run: (call: () => Promise<unknown>) => () => Promise<void>) => [
    { name: 'mesh.invoke (plain)', ops: BATCH, run: run(invoke) },
    { name: 'mesh.invoke (prebuilt message)', ops: BATCH, run: run(invokePrebuilt) },
    { name: 'mesh.invoke + zod checks by hand', ops: BATCH, run: run(byHand) },
    { name: 'sendRequest (defineRequest, zod both sides)', ops: BATCH, run: run(typed) },
    { name: 'sendRequest (untyped)', ops: BATCH, run: run(untyped) },
  ];
  const target = 'typed sendRequest >= 0.67x mesh.invoke (costs <= 1.5x)';
  return [
    { title: 'request-reply, sequential (await each)', reference: 'mesh.invoke (plain)', target, cases: cases(sequential) },
    {
      title: 'request-reply, 1000 concurrent',
      reference: 'mesh.invoke (plain)',
      target,
      cases: cases(concurrent),
      teardown: () => mesh.close(),
    },
  ];
}
