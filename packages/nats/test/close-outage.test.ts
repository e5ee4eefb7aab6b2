import { createMesh, defineAgent } from '@agentmesh/core';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsTransport } from '../src/index.js';
import { isCI } from './support/nats.js';
import { natsServerAvailable, NATS_SERVER_BIN, OwnNatsServer } from './support/nats-server.js';

const suite = natsServerAvailable || isCI ? describe : describe.skip;

suite('close() while the NATS server is down', () => {
  let server: OwnNatsServer;

  beforeAll(async () => {
    if (!natsServerAvailable) throw new Error(`CI must run this test: no nats-server at ${NATS_SERVER_BIN}`);
    server = await OwnNatsServer.start();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('regression: resolves within closeTimeoutMs and closes the connection instead of reconnecting for ever', async () => {
    const nc = await connect({ servers: server.url, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    const transport = await NatsTransport.connect({ connection: nc, closeConnection: true, prefix: 'outage', closeTimeoutMs: 1_000 });
    const mesh = createMesh({ transport });
    await mesh.register(defineAgent({ name: 'echo', handle: (m) => m }));
    await mesh.subscribe('ticks', () => undefined).ready;
    await server.kill();
    const started = Date.now();
    await mesh.close();
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(nc.isClosed()).toBe(true);
    // Nothing reconnects once the server is back: the connection was closed, not left draining.
    await server.restart(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(nc.isClosed()).toBe(true);
  });
});
