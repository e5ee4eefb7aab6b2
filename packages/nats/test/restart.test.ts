import { createMesh, defineAgent, MeshError, type Mesh } from '@agentmesh/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsTransport } from '../src/index.js';
import { isCI } from './support/nats.js';
import { natsServerAvailable, NATS_SERVER_BIN, OwnNatsServer } from './support/nats-server.js';
import { retrying } from './support/retry.js';
import { until } from './support/world.js';

if (!natsServerAvailable && !isCI) console.warn(`[@agentmesh/nats] skipping the restart tests: no nats-server binary at ${NATS_SERVER_BIN}`);
const suite = natsServerAvailable || isCI ? describe : describe.skip;

suite('a NATS server restart mid-load', () => {
  let server: OwnNatsServer;
  let serving: Mesh;
  let caller: Mesh;
  const events: unknown[] = [];

  beforeAll(async () => {
    if (!natsServerAvailable) throw new Error(`CI must run the restart tests: no nats-server at ${NATS_SERVER_BIN}`);
    server = await OwnNatsServer.start();
    const connect = (): Promise<NatsTransport> => NatsTransport.connect({ servers: server.url, prefix: 'restart', connectOptions: { reconnectTimeWait: 100, reconnectJitter: 50 }, durable: { ackWaitMs: 2_000, backoffMs: 50 } });
    serving = createMesh({ transport: await connect() });
    caller = createMesh({ transport: await connect() });
    await serving.register(defineAgent({ name: 'echo', handle: async (m) => (await new Promise((r) => setTimeout(r, 5)), m) }));
    await serving.subscribe('ticks', (m) => void events.push(m.content)).ready;
  });
  afterAll(async () => {
    await Promise.all([serving?.close(), caller?.close()]);
    await server?.dispose();
  });

  it('settles every in-flight call typed and by its deadline, never hanging', async () => {
    const calls = Array.from({ length: 200 }, (_, i) => caller.invoke('echo', `n${i}`, { timeoutMs: 3_000 }).then(() => 'ok', (e: unknown) => e));
    await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await server.restart(300);
    const outcomes = await Promise.all(calls);
    expect(Date.now() - started).toBeLessThan(3_500);
    const failures = outcomes.filter((o) => o !== 'ok');
    for (const failure of failures) {
      expect(MeshError.is(failure)).toBe(true);
      expect(['TRANSPORT_ERROR', 'TIMEOUT']).toContain((failure as MeshError).code);
    }
    expect(caller.stats().inFlight).toBe(0);
  });

  it('parks calls made while the server is down and completes them once it is back', async () => {
    await until(() => (caller.transport as NatsTransport).stats().connected && (serving.transport as NatsTransport).stats().connected);
    const down = server.restart(500);
    await until(() => !(caller.transport as NatsTransport).stats().connected);
    const parked = Array.from({ length: 20 }, (_, i) => caller.invoke('echo', `parked ${i}`, { timeoutMs: 8_000 }));
    expect((caller.transport as NatsTransport).stats().pendingRequests).toBe(20);
    await down;
    const replies = await Promise.all(parked);
    expect(replies.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `parked ${i}`));
    // Events cannot be parked (nats.js would drop them silently): publishing while down is an error.
    const again = server.restart(300);
    await until(() => !(caller.transport as NatsTransport).stats().connected);
    await expect(caller.publish('ticks', 'lost?')).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await again;
  });

  it('keeps a durable subscription: stored events survive the restart and delivery resumes', async () => {
    await until(() => (caller.transport as NatsTransport).stats().connected && (serving.transport as NatsTransport).stats().connected);
    const got: unknown[] = [];
    let failFirst = true;
    const sub = serving.subscribe(
      'orders',
      (m) => {
        if (m.content === 'before' && failFirst) {
          failFirst = false;
          return Promise.reject(new Error('not yet'));
        }
        got.push(m.content);
        return undefined;
      },
      { durable: 'orders-reader' },
    );
    await sub.ready;
    await caller.publish('orders', 'before');
    await until(() => !failFirst);
    // Whether or not the nak reached the server before it died, the event comes back: at the
    // latest ackWaitMs after the restart.
    await server.restart(300);
    await until(() => (caller.transport as NatsTransport).stats().connected);
    await until(() => got.includes('before'), 10_000);
    await caller.publish('orders', 'after');
    await until(() => got.includes('after'), 10_000);
    await sub.unsubscribe();
  });

  it('loses no call with retries, and calls made while the server is down complete after it is back', async () => {
    await until(() => (caller.transport as NatsTransport).stats().connected && (serving.transport as NatsTransport).stats().connected);
    const retried: string[] = [];
    caller.use(retrying(5, 1_500, (e) => retried.push((e as MeshError).code)));
    let restarted = false;
    const load = (async () => {
      const results: unknown[] = [];
      for (let batch = 0; batch < 20; batch++) {
        const round = await Promise.all(Array.from({ length: 25 }, (_, i) => caller.invoke('echo', { content: { batch, i } }, { timeoutMs: 10_000 })));
        results.push(...round.map((m) => m.content));
        if (batch === 5) void server.restart(400).then(() => (restarted = true));
      }
      return results;
    })();
    const results = await load;
    expect(results).toHaveLength(500);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(500);
    await until(() => restarted);
    expect(retried.every((code) => code === 'TRANSPORT_ERROR' || code === 'TIMEOUT')).toBe(true);
    // After the restart: calls and plain events flow again.
    await expect(caller.invoke('echo', 'after')).resolves.toMatchObject({ content: 'after' });
    await caller.publish('ticks', 'tick');
    await until(() => events.includes('tick'));
  });
});
