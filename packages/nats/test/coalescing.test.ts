import { defineAgent, MeshError, type JsonValue, type Mesh } from '@agentmesh/core';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, expect, it } from 'vitest';
import { BatchWriter, batchHeadersFor, decodeBatch } from '../src/codec/batch.js';
import { parseCallHeaderText } from '../src/codec/call-headers.js';
import { DECLINED_BLOCK, declinedHeaders } from '../src/codec/headers.js';
import { Header } from '../src/index.js';
import { describeWithNats } from './support/nats.js';
import { until, useWorld, type TestWorld } from './support/world.js';

/** Counts the messages on a subject, and those of them that carry a batch. */
class Tap {
  messages = 0;
  batches = 0;
  readonly members: { reply: string; id: string; trace: string; coalesce: string }[] = [];

  constructor(nc: NatsConnection, subject: string) {
    nc.subscribe(subject, { callback: (_e, msg) => this.#seen(msg) });
  }

  /** Requests (or replies) seen, batched or not. */
  get total(): number {
    return this.messages - this.batches + this.members.length;
  }

  /**
   * Waits until `total` were seen (the tap's connection may lag behind the caller's). More may
   * come when a replica declined members of a batch, which are then sent again one by one.
   */
  async saw(total: number): Promise<this> {
    await until(() => this.total >= total);
    if (this.batches === 0) expect(this.total).toBe(total);
    return this;
  }

  #seen(msg: Msg): void {
    if (msg.subject.endsWith('.probe')) return; // a replica checking it may answer this inbox (see ReplyReach)
    this.messages++;
    const count = msg.headers?.get(Header.batch) ?? '';
    if (count === '') return;
    this.batches++;
    for (const m of decodeBatch(msg.data, count)) {
      const call = parseCallHeaderText(m.headers);
      this.members.push({ reply: m.reply, id: call.id, trace: call.trace, coalesce: call.coalesce });
    }
  }
}

/** `rounds` rounds of `size` concurrent calls; checks that every call got its own answer. */
async function load(caller: Mesh, agent: string, rounds: number, size: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const contents = Array.from({ length: size }, (_, i) => `r${round}-${i}`);
    const answers = await Promise.all(contents.map((content) => caller.invoke(agent, content)));
    expect(answers.map((a) => a.content)).toEqual(contents);
  }
}

/**
 * Rounds of concurrent calls until the tap saw a batch of requests: batching starts once nearly
 * all recent replies came batched, which takes a round or two (longer on a loaded machine).
 */
async function warm(caller: Mesh, agent: string, requests: Tap): Promise<void> {
  let sent = requests.total;
  for (let round = 0; round < 40 && requests.batches === 0; round++) {
    await load(caller, agent, 1, 64);
    sent += 64;
    await until(() => requests.total >= sent); // the tap's connection may lag behind
  }
  expect(requests.batches).toBeGreaterThan(0);
}

describeWithNats('coalescing over NATS', () => {
  const current = useWorld();
  let world: TestWorld;
  beforeEach(() => {
    world = current();
  });

  async function tapped(agent: string): Promise<{ caller: Mesh; requests: Tap; replies: Tap; raw: NatsConnection }> {
    const inboxPrefix = `_INBOX_${world.prefix}`;
    const caller = await world.mesh({ transport: { inboxPrefix } });
    const raw = await world.raw();
    const requests = new Tap(raw, `${world.prefix}.agent.${agent}`);
    const replies = new Tap(raw, `${inboxPrefix}.>`);
    await raw.flush();
    return { caller, requests, replies, raw };
  }

  it('sends requests to an agent that answers at once together, each with its own headers, and each call gets its own answer', async () => {
    const server = await world.mesh();
    await server.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const { caller, requests, replies } = await tapped('echo');
    await load(caller, 'echo', 1, 100);
    // The first round goes one message per request; replies to it, and then requests, go batched.
    await warm(caller, 'echo', requests);
    await until(() => replies.batches > 0);
    await load(caller, 'echo', 3, 100);
    const ids = requests.members.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of requests.members) {
      expect(m.id).not.toBe('');
      expect(m.trace.split(';')[1]).toBe(m.id);
      // The caller names its inbox, under which it reads batched replies.
      expect(m.coalesce.startsWith(`_INBOX_${world.prefix}.`)).toBe(true);
      expect(m.reply.startsWith(`${m.coalesce}.`)).toBe(true);
    }
    expect(new Set(requests.members.map((m) => m.reply)).size).toBe(requests.members.length);
  });

  it('sends one message per request to agents whose handlers wait on something, and their replicas share the load', async () => {
    const counts = [0, 0];
    for (const i of [0, 1]) {
      const server = await world.mesh();
      await server.register(defineAgent({ name: 'io', handle: async (m) => (counts[i]!++, await sleep(1), m.content) }));
    }
    const { caller, requests, replies } = await tapped('io');
    await load(caller, 'io', 5, 60);
    expect(await requests.saw(300)).toMatchObject({ messages: 300, batches: 0 });
    expect(await replies.saw(300)).toMatchObject({ messages: 300, batches: 0 });
    // Random queue-group balancing: each replica gets ~150 of 300; 60 is far below any plausible draw.
    for (const count of counts) expect(count).toBeGreaterThan(60);
  });

  it('spreads a burst of awaiting requests over the replicas, even right after quick answers were batched', async () => {
    const awaiting = [0, 0];
    for (const i of [0, 1]) {
      const server = await world.mesh();
      await server.register(defineAgent({ name: 'mixed', handle: (m) => (m.content === 'slow' ? (awaiting[i]!++, sleep(20).then(() => 'done')) : m.content) }));
    }
    const { caller, requests } = await tapped('mixed');
    await warm(caller, 'mixed', requests);
    // The burst goes out batched; the replica taking it handles the first and declines the rest,
    // which come back and are sent one by one.
    const answers = await Promise.all(Array.from({ length: 64 }, () => caller.invoke('mixed', 'slow')));
    expect(answers.every((a) => a.content === 'done')).toBe(true);
    expect(awaiting[0]! + awaiting[1]!).toBe(64);
    for (const count of awaiting) expect(count).toBeGreaterThan(16);
  });

  it('answers a synchronous handler that takes more than a moment alone', async () => {
    const server = await world.mesh();
    const busy = (m: { content: JsonValue }): JsonValue => {
      const done = performance.now() + 2;
      while (performance.now() < done);
      return m.content;
    };
    await server.register(defineAgent({ name: 'busy', handle: busy }));
    const { caller, requests, replies } = await tapped('busy');
    await load(caller, 'busy', 3, 20);
    expect(await requests.saw(60)).toMatchObject({ messages: 60, batches: 0 });
    expect(await replies.saw(60)).toMatchObject({ messages: 60, batches: 0 });
  });

  it('sends every request in a message of its own with maxCoalesced: 1', async () => {
    const server = await world.mesh();
    await server.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const caller = await world.mesh({ transport: { maxCoalesced: 1 } });
    const raw = await world.raw();
    const requests = new Tap(raw, `${world.prefix}.agent.echo`);
    await raw.flush();
    await load(caller, 'echo', 3, 100);
    expect(await requests.saw(300)).toMatchObject({ messages: 300, batches: 0 });
  });

  it('carries progress frames of batched requests before their replies', async () => {
    const server = await world.mesh();
    await server.register(defineAgent({ name: 'steps', handle: (m, ctx) => (ctx.reportProgress({ step: m.content }), m.content) }));
    const { caller, requests } = await tapped('steps');
    await warm(caller, 'steps', requests);
    // Until a burst went out batched: every call has its frame, and before its reply.
    const before = requests.batches;
    for (let round = 0; round < 20 && requests.batches === before; round++) {
      const sent = requests.total + 50;
      const framesAtReply = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const frames: JsonValue[] = [];
          const reply = await caller.invoke('steps', `s${i}`, { onProgress: (p) => frames.push(p) });
          expect(reply.content).toBe(`s${i}`);
          return frames;
        }),
      );
      framesAtReply.forEach((frames, i) => expect(frames).toEqual([{ step: `s${i}` }]));
      await until(() => requests.total >= sent);
    }
    expect(requests.batches).toBeGreaterThan(before);
  });

  it('batches for a caller with a long inbox prefix too (any subject NATS carries fits a member line)', async () => {
    const server = await world.mesh();
    await server.register(defineAgent({ name: 'echo', handle: (m) => m.content }));
    const caller = await world.mesh({ transport: { inboxPrefix: `_INBOX.${'x'.repeat(480)}` } });
    const raw = await world.raw();
    const requests = new Tap(raw, `${world.prefix}.agent.echo`);
    await raw.flush();
    await warm(caller, 'echo', requests);
    await load(caller, 'echo', 2, 50);
  });

  it('answers the requests a replica that does not batch itself declines from a batch', async () => {
    const first = await world.mesh();
    await first.register(defineAgent({ name: 'work', handle: (m) => m.content }));
    const { caller, requests } = await tapped('work');
    await warm(caller, 'work', requests);
    await first.close();
    const second = await world.mesh({ transport: { maxCoalesced: 1 } });
    await second.register(defineAgent({ name: 'work', handle: async (m) => (await sleep(5), m.content) }));
    // The probe of the new replica may decline the first batch; either way every call is answered.
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => caller.invoke('work', `w${i}`, { timeoutMs: 3_000 })));
      expect(answers.map((a) => a.content)).toEqual(Array.from({ length: 8 }, (_, i) => `w${i}`));
    }
  });

  it('ignores a declined frame that does not come from the batch the request went in', async () => {
    let runs = 0;
    const server = await world.mesh();
    await server.register(defineAgent({ name: 'transfer', handle: async (m) => (runs++, await sleep(50), m.content) }));
    const caller = await world.mesh();
    const raw = await world.raw();
    const victim = new Promise<string>((resolve) => raw.subscribe(`${world.prefix}.agent.transfer`, { max: 1, callback: (_e, msg) => resolve(msg.reply!) }));
    await raw.flush();
    const call = caller.invoke('transfer', 'pay 100');
    const reply = await victim;
    // Someone who saw the reply subject says "declined, send it again" for it.
    const writer = new BatchWriter();
    writer.add(reply, DECLINED_BLOCK, '', 0);
    raw.publish(reply, writer.finish(), { headers: batchHeadersFor(1) });
    raw.publish(reply, new Uint8Array(0), { headers: declinedHeaders() });
    await expect(call).resolves.toMatchObject({ content: 'pay 100' });
    expect(runs).toBe(1);
  });

  it('fails every member of a batch to an agent nobody serves any more AGENT_NOT_FOUND, at once', async () => {
    const server = await world.mesh();
    await server.register(defineAgent({ name: 'gone', handle: (m) => m.content }));
    const { caller, requests, raw } = await tapped('gone');
    await warm(caller, 'gone', requests);
    await raw.close(); // the tap is a responder too
    await server.close();
    const controller = new AbortController();
    const started = performance.now();
    const calls = Array.from({ length: 20 }, (_, i) => caller.invoke('gone', `c${i}`, i === 0 ? { timeoutMs: 10_000, signal: controller.signal } : { timeoutMs: 10_000 }));
    // The first member gives up after the batch went out: the others still learn nobody is there.
    queueMicrotask(() => controller.abort());
    const outcomes = await Promise.all(calls.map((call) => call.catch((e: unknown) => e)));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(MeshError.is(outcomes[0], 'CANCELLED')).toBe(true);
    for (const outcome of outcomes.slice(1)) expect(MeshError.is(outcome, 'AGENT_NOT_FOUND')).toBe(true);
  });

  it('sends the requests of a batch a replica refused as a whole again one by one, and stops batching to it', async () => {
    const server = await world.mesh();
    await server.register(defineAgent({ name: 'old', handle: (m) => m.content }));
    const { caller, requests, raw } = await tapped('old');
    await warm(caller, 'old', requests);
    await server.close();
    // A replica of an older version: it reads a batch as one malformed request and refuses it.
    const seen = { batches: 0, singles: 0 };
    raw.subscribe(`${world.prefix}.agent.old`, {
      queue: 'old',
      callback: (_e, msg) => {
        const id = msg.headers?.get(Header.id) ?? '';
        if (id === '') {
          seen.batches++;
          msg.respond(JSON.stringify({ id: 'unknown', ok: false, error: new MeshError('INVALID_MESSAGE', 'request has no id').toJSON() }));
          return;
        }
        seen.singles++;
        const body = msg.json<{ message: unknown }>();
        msg.respond(JSON.stringify({ id, ok: true, message: body.message }));
      },
    });
    await raw.flush();
    // The first burst goes out batched, is refused, and its requests come again one by one; the
    // next burst does not try a batch again.
    await load(caller, 'old', 2, 20);
    expect(seen.batches).toBe(1);
    expect(seen.singles).toBe(40);
  });
});
