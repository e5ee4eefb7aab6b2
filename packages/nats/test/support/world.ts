import { createMesh, type Mesh, type MeshOptions } from '@agentmesh/core';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsTransport, Subjects, type NatsTransportOptions } from '../../src/index.js';
import { afterEach, beforeEach } from 'vitest';
import { NATS_URL, uniquePrefix } from './nats.js';

/**
 * Transports, meshes and raw connections for one test under a prefix of its own; `close()` tears
 * everything down (meshes first, then transports, then raw connections).
 */
export class TestWorld {
  readonly prefix = uniquePrefix();
  readonly #meshes: Mesh[] = [];
  readonly #transports: NatsTransport[] = [];
  readonly #connections: NatsConnection[] = [];

  async transport(options: NatsTransportOptions = {}): Promise<NatsTransport> {
    const transport = await NatsTransport.connect({ servers: NATS_URL, prefix: this.prefix, ...options });
    this.#transports.push(transport);
    return transport;
  }

  async mesh(options: Omit<MeshOptions, 'transport'> & { transport?: NatsTransportOptions } = {}): Promise<Mesh> {
    const { transport, ...rest } = options;
    const mesh = createMesh({ ...rest, transport: await this.transport(transport), closeTransport: false });
    this.#meshes.push(mesh);
    return mesh;
  }

  /** A plain nats.js connection, for poking at the wire directly. */
  async raw(): Promise<NatsConnection> {
    const nc = await connect({ servers: NATS_URL });
    this.#connections.push(nc);
    return nc;
  }

  async close(): Promise<void> {
    await Promise.all(this.#meshes.map((m) => m.close()));
    await Promise.all(this.#transports.map((t) => t.close()));
    await this.#dropStreams();
    await Promise.all(this.#connections.filter((c) => !c.isClosed()).map((c) => c.close()));
  }

  /** Deletes the JetStream streams this test's prefix may have created. */
  async #dropStreams(): Promise<void> {
    const subjects = new Subjects(this.prefix);
    const nc = await this.raw();
    const jsm = await jetstreamManager(nc);
    for (const stream of [subjects.eventStream, subjects.deadLetterStream]) await jsm.streams.delete(stream).catch(() => false);
  }
}

/** Polls `check` every 10 ms until it holds, for at most `timeoutMs`; throws if it never does. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Gives each test of the enclosing suite a fresh {@link TestWorld}, closed after it. */
export function useWorld(): () => TestWorld {
  let world: TestWorld | undefined;
  beforeEach(() => {
    world = new TestWorld();
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  return () => {
    if (world === undefined) throw new Error('the test world is used outside a test');
    return world;
  };
}
