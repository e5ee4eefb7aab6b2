import { createMesh, defineAgent, type Message } from '@agentmesh/core';
import { ServiceBroker } from 'moleculer';
import type { BenchSuite } from '../harness.js';

const BATCH = 1000;

/** `mesh.invoke` in-process round trip vs a bare async call vs moleculer's local broker.call. */
export default async function coreSuites(): Promise<BenchSuite[]> {
  const message: Message = { id: 'm-1', role: 'user', content: 'ping', metadata: { type: 'bench' } };
  const echo = defineAgent({ name: 'echo', handle: (m) => m });
  const plain = createMesh({ defaultTimeoutMs: Infinity });
  await plain.register(echo);
  const timed = createMesh({ defaultTimeoutMs: 30_000 });
  await timed.register(defineAgent({ name: 'echo', handle: (m) => m }));
  // Real agents are mostly async; this keeps the figure honest for handlers that await.
  await timed.register(defineAgent({ name: 'echo-async', handle: async (m) => m }));

  const broker = new ServiceBroker({ logger: false, metrics: false, tracing: false, transporter: null });
  broker.createService({ name: 'echo', actions: { echo: (ctx: { params: unknown }) => ctx.params } });
  await broker.start();
  const params = { content: 'ping', metadata: { type: 'bench' } };

  const bare = async (m: Message): Promise<Message> => m;
  const sequential = (call: () => Promise<unknown>) => async () => {
    for (let i = 0; i < BATCH; i++) await call();
  };
  const concurrent = (call: () => Promise<unknown>) => async () => {
    const calls = new Array<Promise<unknown>>(BATCH);
    for (let i = 0; i < BATCH; i++) calls[i] = call();
    await Promise.all(calls);
  };

  return [
    {
      title: 'in-process call, sequential (await each)',
      reference: 'moleculer broker.call',
      target: 'mesh.invoke >= 1.5x moleculer; with a timeout on every call >= 1.0x',
      cases: [
        { name: 'bare async function', ops: BATCH, run: sequential(() => bare(message)) },
        { name: 'mesh.invoke (no timeout)', ops: BATCH, run: sequential(() => plain.invoke('echo', message)) },
        { name: 'mesh.invoke (30 s timeout)', ops: BATCH, run: sequential(() => timed.invoke('echo', message)) },
        { name: 'mesh.invoke (30 s timeout, async handler)', ops: BATCH, run: sequential(() => timed.invoke('echo-async', message)) },
        { name: 'moleculer broker.call', ops: BATCH, run: sequential(() => broker.call('echo.echo', params)) },
      ],
    },
    {
      title: 'in-process call, 1000 concurrent',
      reference: 'moleculer broker.call',
      target: 'mesh.invoke >= 1.5x moleculer; with a timeout on every call >= 1.0x',
      cases: [
        { name: 'bare async function', ops: BATCH, run: concurrent(() => bare(message)) },
        { name: 'mesh.invoke (no timeout)', ops: BATCH, run: concurrent(() => plain.invoke('echo', message)) },
        { name: 'mesh.invoke (30 s timeout)', ops: BATCH, run: concurrent(() => timed.invoke('echo', message)) },
        { name: 'mesh.invoke (30 s timeout, async handler)', ops: BATCH, run: concurrent(() => timed.invoke('echo-async', message)) },
        { name: 'moleculer broker.call', ops: BATCH, run: concurrent(() => broker.call('echo.echo', params)) },
      ],
      teardown: async () => {
        await Promise.all([plain.close(), timed.close(), broker.stop()]);
      },
    },
  ];
}
