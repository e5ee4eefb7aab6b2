import { createMesh, defineAgent, type JsonValue, type Mesh } from '@agentmesh/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { Header, NatsTransport, type NatsTransportOptions } from '../src/index.js';
import { isCI } from './support/nats.js';
import { natsServerAvailable, NATS_SERVER_BIN, OwnNatsServer } from './support/nats-server.js';

const suite = natsServerAvailable || isCI ? describe : describe.skip;

/**
 * Coalescing under NATS setups that see reply subjects differently: a service imported from
 * another account (NATS rewrites reply subjects), and `allow_responses` permissions (a service
 * may only publish to the reply subjects of messages it received).
 */
suite('coalescing with NATS accounts and permissions', () => {
  let server: OwnNatsServer | undefined;
  const meshes: Mesh[] = [];

  async function mesh(options: NatsTransportOptions): Promise<Mesh> {
    const m = createMesh({ transport: await NatsTransport.connect({ servers: server!.url, prefix: 'dp', ...options }) });
    meshes.push(m);
    return m;
  }

  /** `rounds` rounds of `size` concurrent calls from each caller; every call must get its own answer. */
  async function load(callers: Mesh[], rounds: number, size: number, onProgress?: (p: JsonValue) => void): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        callers.map(async (caller, c) => {
          const contents = Array.from({ length: size }, (_, i) => `c${c}-r${round}-${i}`);
          const answers = await Promise.all(contents.map((content) => caller.invoke('echo', content, onProgress === undefined ? { timeoutMs: 5_000 } : { timeoutMs: 5_000, onProgress })));
          expect(answers.map((a) => a.content)).toEqual(contents);
        }),
      );
    }
  }

  beforeEach(() => {
    if (!natsServerAvailable) throw new Error(`CI must run this test: no nats-server at ${NATS_SERVER_BIN}`);
  });
  afterEach(async () => {
    await Promise.all(meshes.splice(0).map((m) => m.close()));
    await server?.dispose();
    server = undefined;
  });

  it('answers every call of several callers through a service import, where NATS rewrites reply subjects', async () => {
    server = await OwnNatsServer.start(`accounts: {
      S: { users: [{ user: s, password: s }], exports: [{ service: "dp.agent.>" }] }
      C: { users: [{ user: c, password: c }], imports: [{ service: { account: S, subject: "dp.agent.>" } }] }
    }`);
    const service = await mesh({ connectOptions: { user: 's', pass: 's' } });
    await service.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const spy = await connect({ servers: server.url, user: 's', pass: 's' });
    let batches = 0;
    spy.subscribe('dp.agent.echo', { callback: (_e, msg) => void (msg.headers?.has(Header.batch) === true && batches++) });
    await spy.flush();
    const callers = [await mesh({ connectOptions: { user: 'c', pass: 'c' } }), await mesh({ connectOptions: { user: 'c', pass: 'c' } })];
    await load(callers, 4, 50);
    // The rewritten reply subjects are not the callers' inboxes: no reply is batched, so no request is.
    await spy.flush();
    expect(batches).toBe(0);
    await spy.close();
  });

  const responsesOnly = (allow: string): string => `authorization: {
    users: [
      { user: s, password: s, permissions: { subscribe: ">", publish: { allow: ["dp.>", "$JS.>"] }, allow_responses: ${allow} } }
      { user: c, password: c }
    ]
  }`;

  it('answers every call when the service may only publish responses', async () => {
    server = await OwnNatsServer.start(responsesOnly('true'));
    const service = await mesh({ connectOptions: { user: 's', pass: 's' } });
    await service.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    await load([await mesh({ connectOptions: { user: 'c', pass: 'c' } })], 5, 50);
  });

  it('answers every call when the service may only publish responses and some handlers await', async () => {
    server = await OwnNatsServer.start(responsesOnly('true'));
    const service = await mesh({ connectOptions: { user: 's', pass: 's' } });
    let calls = 0;
    const later = (content: JsonValue): Promise<JsonValue> => new Promise((resolve) => setTimeout(() => resolve(content), 2));
    await service.register(defineAgent({ name: 'echo', handle: (m) => (++calls % 40 === 0 ? later(m.content) : m.content) }));
    await load([await mesh({ connectOptions: { user: 'c', pass: 'c' } })], 20, 50);
    expect(calls).toBe(1_000);
  });

  it('carries every progress frame too when the service may publish several responses per request', async () => {
    server = await OwnNatsServer.start(responsesOnly('{ max: 10 }'));
    const service = await mesh({ connectOptions: { user: 's', pass: 's' } });
    await service.register(defineAgent({ name: 'echo', handle: (m, ctx) => (ctx.reportProgress('working'), m.content) }));
    let frames = 0;
    await load([await mesh({ connectOptions: { user: 'c', pass: 'c' } })], 5, 50, () => void frames++);
    expect(frames).toBe(250);
  });
});
