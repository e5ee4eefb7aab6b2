import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMesh, type Mesh, type MeshError } from '@agentmesh/core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { NatsTransport } from '../src/index.js';
import { describeWithNats, NATS_URL, uniquePrefix } from './support/nats.js';
import { startReplica } from './support/agent-host.js';
import { retrying } from './support/retry.js';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Reply {
  readonly replica: string;
  readonly echo: number;
}

describeWithNats('agents in other processes', () => {
  const prefix = uniquePrefix();
  const children = new Set<ChildProcess>();
  const meshes: Mesh[] = [];

  async function replica(name: string, delayMs = 15): Promise<ChildProcess> {
    const child = await startReplica({ NATS_URL, PREFIX: prefix, REPLICA: name, DELAY_MS: String(delayMs) });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  }

  async function caller(): Promise<Mesh> {
    const mesh = createMesh({ transport: await NatsTransport.connect({ servers: NATS_URL, prefix }) });
    meshes.push(mesh);
    return mesh;
  }

  /** `total` calls, `concurrency` at a time; `during(done)` runs after each completed call. */
  async function load(mesh: Mesh, total: number, concurrency: number, during: (done: number) => void): Promise<Reply[]> {
    const replies: Reply[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const n = next++;
          const reply = await mesh.invoke('worker', { content: n }, { timeoutMs: 15_000 });
          replies.push(reply.content as unknown as Reply);
          during(replies.length);
        }
      }),
    );
    return replies;
  }

  function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    return exited;
  }

  beforeAll(() => {
    if (!existsSync(dist)) throw new Error(`the multi-process test runs replicas on the built package: run "pnpm build" first (${dist} is missing)`);
  });
  afterEach(async () => {
    await Promise.all([...children].map((c) => kill(c, 'SIGKILL')));
  });
  afterAll(async () => {
    await Promise.all(meshes.map((m) => m.close()));
  });

  it('loses no request when a replica is killed under load (with retries)', async () => {
    const a = await replica('a');
    await replica('b');
    const mesh = await caller();
    expect(await mesh.discover()).toEqual([{ name: 'worker', capabilities: ['work'], replicas: 2 }]);
    const retried: string[] = [];
    mesh.use(retrying(5, 1_000, (e) => retried.push((e as MeshError).code)));
    let killed: Promise<void> | undefined;
    const replies = await load(mesh, 400, 32, (done) => {
      if (done === 100) killed = kill(a, 'SIGKILL');
    });
    await killed;
    expect(replies.map((r) => r.echo).sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    const byReplica = { a: replies.filter((r) => r.replica === 'a').length, b: replies.filter((r) => r.replica === 'b').length };
    expect(byReplica.a).toBeGreaterThan(0);
    expect(byReplica.b).toBeGreaterThan(200);
    // The calls caught on the killed replica timed out per attempt and went to the survivor.
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((code) => code === 'TIMEOUT')).toBe(true);
  });

  it('needs no retry at all when a replica shuts down gracefully under load', async () => {
    const b = await replica('b');
    await replica('c');
    const mesh = await caller();
    let stopped: Promise<void> | undefined;
    const replies = await load(mesh, 400, 32, (done) => {
      if (done === 100) stopped = kill(b, 'SIGTERM');
    });
    await stopped;
    expect(replies.map((r) => r.echo).sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(replies.filter((r) => r.replica === 'b').length).toBeGreaterThan(0);
    expect(replies.filter((r) => r.replica === 'c').length).toBeGreaterThan(200);
  });

  it('fails long requests on a killed replica fast with a retryable error, not at their deadline', async () => {
    const doomed = await replica('doomed', 3_000);
    await replica('steady', 3_000);
    const mesh = await caller();
    const started = Date.now();
    const calls = Array.from({ length: 12 }, (_, n) =>
      mesh.invoke('worker', { content: n }, { timeoutMs: 30_000 }).then(
        (m) => ({ ok: true as const, replica: (m.content as unknown as Reply).replica, at: Date.now() }),
        (e: MeshError) => ({ ok: false as const, code: e.code, retryable: e.retryable, at: Date.now() }),
      ),
    );
    // Past the accepted notice (500 ms by default), the callers know which instance runs what.
    await new Promise((r) => setTimeout(r, 800));
    const killedAt = Date.now();
    await kill(doomed, 'SIGKILL');
    const outcomes = await Promise.all(calls);
    const failed = outcomes.filter((o) => !o.ok);
    const answered = outcomes.filter((o) => o.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(answered.length).toBeGreaterThan(0);
    for (const f of failed) {
      expect(f).toMatchObject({ code: 'TRANSPORT_ERROR', retryable: true });
      // Noticed within about one replica check (1 s), far from the 30 s deadline.
      expect(f.at - killedAt).toBeLessThan(2_000);
    }
    expect(answered.every((a) => a.replica === 'steady' && a.at - started >= 3_000)).toBe(true);
  });
});
