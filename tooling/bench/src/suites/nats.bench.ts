import { randomBytes } from 'node:crypto';
import { createMesh, defineAgent, type Message } from '@agentmesh/core';
import { NatsTransport } from '@agentmesh/nats';
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { ServiceBroker } from 'moleculer';
import type { BenchCase, BenchSuite } from '../harness.js';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const IN_FLIGHT = 256;
const CONCURRENT_BATCH = 4096;
const SEQUENTIAL_BATCH = 200;
const EVENT_BATCH = 20_000;

/** Runs `total` calls keeping `window` of them in flight. */
function windowed(total: number, window: number, call: () => Promise<unknown>): () => Promise<void> {
  return async () => {
    let started = 0;
    const worker = async (): Promise<void> => {
      while (started < total) {
        started++;
        await call();
      }
    };
    await Promise.all(Array.from({ length: window }, worker));
  };
}

function sequential(total: number, call: () => Promise<unknown>): () => Promise<void> {
  return async () => {
    for (let i = 0; i < total; i++) await call();
  };
}

/** Publishes `total` events and resolves once the subscriber counted them all. */
class EventCounter {
  received = 0;
  #target = 0;
  #done: (() => void) | undefined;

  readonly onEvent = (): void => {
    if (++this.received === this.#target) this.#done?.();
  };

  async run(total: number, publish: () => unknown): Promise<void> {
    this.received = 0;
    this.#target = total;
    const all = new Promise<void>((r) => (this.#done = r));
    for (let i = 0; i < total; i++) {
      const p = publish();
      // agentmesh's publish returns a promise; awaiting each one would measure the microtask
      // queue, so only every 1000th is awaited (as an application streaming events would).
      if (i % 1000 === 999 && p instanceof Promise) await p;
    }
    await all;
  }
}

/**
 * Over loopback NATS: request-reply through NatsTransport (as configured by default, and with
 * coalescing off) vs raw nats.js `request` vs moleculer's remote call over its NATS transporter
 * (caller and server in separate brokers/connections of this process); and events through the
 * mesh vs raw nats.js publish/subscribe.
 */
export default async function natsSuites(): Promise<BenchSuite[]> {
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const message: Message = { id: 'm-1', role: 'user', content: 'ping', metadata: { type: 'bench' } };

  // agentmesh: a serving mesh and a calling mesh, each on its own connection.
  const serving = createMesh({ transport: await NatsTransport.connect({ servers: NATS_URL, prefix }) });
  await serving.register(defineAgent({ name: 'echo', handle: (m) => m }));
  const calling = createMesh({ transport: await NatsTransport.connect({ servers: NATS_URL, prefix }) });
  const meshCall = (): Promise<Message> => calling.invoke('echo', message);
  // The same without coalescing, to show what it does (and that a lone request pays nothing for it).
  const unbatched = { servers: NATS_URL, prefix: `${prefix}.single`, maxCoalesced: 1 };
  const serving1 = createMesh({ transport: await NatsTransport.connect(unbatched) });
  await serving1.register(defineAgent({ name: 'echo', handle: (m) => m }));
  const calling1 = createMesh({ transport: await NatsTransport.connect(unbatched) });
  const meshCall1 = (): Promise<Message> => calling1.invoke('echo', message);

  // raw nats.js: a responder echoing the JSON-encoded message, and a requester.
  const rawServer = await connect({ servers: NATS_URL });
  const rawClient = await connect({ servers: NATS_URL });
  const payload = JSON.stringify(message);
  rawServer.subscribe(`${prefix}.raw.echo`, { callback: (_e, m) => void m.respond(m.data) });
  await rawServer.flush();
  const rawCall = async (): Promise<unknown> => (await rawClient.request(`${prefix}.raw.echo`, payload, { timeout: 30_000 })).json();

  // The floor of any request-reply built on nats.js with JSON bodies: one publish per request on a
  // muxed inbox (no per-request subscription or timer), JSON encoded and parsed both ways as the
  // transport must, no headers, no validation, no deadline, no mesh.
  const floorInbox = createInbox();
  const floorWaiting = new Map<string, () => void>();
  let floorNext = 0;
  rawServer.subscribe(`${prefix}.floor.echo`, {
    queue: 'echo',
    callback: (_e, m) => {
      const body = m.json<{ message: unknown }>();
      if (m.reply !== undefined) rawServer.publish(m.reply, Buffer.from(JSON.stringify({ id: 'r', ok: true, message: body.message })));
    },
  });
  rawClient.subscribe(`${floorInbox}.*`, {
    callback: (_e, m) => {
      const token = m.subject.slice(floorInbox.length + 1);
      const wake = floorWaiting.get(token);
      floorWaiting.delete(token);
      m.json();
      wake?.();
    },
  });
  await rawServer.flush();
  await rawClient.flush();
  const floorCall = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const token = (++floorNext).toString(36);
      floorWaiting.set(token, resolve);
      rawClient.publish(`${prefix}.floor.echo`, Buffer.from(JSON.stringify({ message, depth: 1 })), { reply: `${floorInbox}.${token}` });
    });

  // moleculer: two brokers over its NATS transporter, one serving.
  const transporter = { type: 'NATS', options: { url: NATS_URL } };
  const common = { namespace: prefix, logger: false, metrics: false, tracing: false, transporter } as const;
  const molServer = new ServiceBroker({ ...common, nodeID: `${prefix}-server` });
  molServer.createService({ name: 'echo', actions: { echo: (ctx: { params: unknown }) => ctx.params } });
  const molClient = new ServiceBroker({ ...common, nodeID: `${prefix}-client` });
  await Promise.all([molServer.start(), molClient.start()]);
  await molClient.waitForServices('echo');
  const params = { content: 'ping', metadata: { type: 'bench' } };
  const molCall = (): Promise<unknown> => molClient.call('echo.echo', params);

  const concurrent: BenchCase[] = [
    { name: 'agentmesh NatsTransport', ops: CONCURRENT_BATCH, run: windowed(CONCURRENT_BATCH, IN_FLIGHT, meshCall) },
    { name: 'agentmesh NatsTransport, maxCoalesced: 1', ops: CONCURRENT_BATCH, run: windowed(CONCURRENT_BATCH, IN_FLIGHT, meshCall1) },
    { name: 'raw nats.js request', ops: CONCURRENT_BATCH, run: windowed(CONCURRENT_BATCH, IN_FLIGHT, rawCall) },
    { name: 'nats.js floor: JSON echo, muxed inbox, no headers', ops: CONCURRENT_BATCH, run: windowed(CONCURRENT_BATCH, IN_FLIGHT, floorCall) },
    { name: 'moleculer remote call (NATS)', ops: CONCURRENT_BATCH, run: windowed(CONCURRENT_BATCH, IN_FLIGHT, molCall) },
  ];
  const roundTrip: BenchCase[] = [
    { name: 'agentmesh NatsTransport', ops: SEQUENTIAL_BATCH, run: sequential(SEQUENTIAL_BATCH, meshCall) },
    { name: 'agentmesh NatsTransport, maxCoalesced: 1', ops: SEQUENTIAL_BATCH, run: sequential(SEQUENTIAL_BATCH, meshCall1) },
    { name: 'raw nats.js request', ops: SEQUENTIAL_BATCH, run: sequential(SEQUENTIAL_BATCH, rawCall) },
    { name: 'moleculer remote call (NATS)', ops: SEQUENTIAL_BATCH, run: sequential(SEQUENTIAL_BATCH, molCall) },
  ];

  // Events: the mesh (validated messages both ways) vs raw nats.js with the same JSON payload.
  const meshEvents = new EventCounter();
  const listener = createMesh({ transport: await NatsTransport.connect({ servers: NATS_URL, prefix }) });
  await listener.subscribe('bench.tick', meshEvents.onEvent).ready;
  const rawEvents = new EventCounter();
  const rawBytes = new EventCounter();
  const rawListener = await connect({ servers: NATS_URL });
  rawListener.subscribe(`${prefix}.raw.tick`, { callback: (_e, m) => (m.json(), rawEvents.onEvent()) });
  rawListener.subscribe(`${prefix}.raw.bytes`, { callback: () => rawBytes.onEvent() });
  await rawListener.flush();
  const publisher = calling;
  const bytes = new TextEncoder().encode(payload);
  const events: BenchCase[] = [
    { name: 'agentmesh publish/subscribe', ops: EVENT_BATCH, run: () => meshEvents.run(EVENT_BATCH, () => publisher.publish('bench.tick', message)) },
    { name: 'raw nats.js pub/sub (JSON)', ops: EVENT_BATCH, run: () => rawEvents.run(EVENT_BATCH, () => rawClient.publish(`${prefix}.raw.tick`, JSON.stringify(message))) },
    { name: 'raw nats.js pub/sub (bytes)', ops: EVENT_BATCH, run: () => rawBytes.run(EVENT_BATCH, () => rawClient.publish(`${prefix}.raw.bytes`, bytes)) },
  ];

  const teardown = async (): Promise<void> => {
    await Promise.all([serving.close(), calling.close(), serving1.close(), calling1.close(), listener.close(), molClient.stop(), molServer.stop()]);
    await Promise.all([rawServer, rawClient, rawListener].map((nc: NatsConnection) => nc.close()));
  };

  return [
    { title: `NATS request-reply, ${IN_FLIGHT} in flight`, reference: 'moleculer remote call (NATS)', target: 'agentmesh >= 1.5x moleculer', cases: concurrent },
    { title: 'NATS request-reply, sequential round trip', reference: 'raw nats.js request', target: 'agentmesh latency <= 1.1x raw nats.js (ratio >= 0.91)', cases: roundTrip },
    { title: 'NATS events, publish to subscriber', reference: 'raw nats.js pub/sub (JSON)', target: 'agentmesh >= 0.8x raw pub/sub', cases: events, teardown },
  ];
}
