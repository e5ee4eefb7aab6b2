import { createMessage, defineAgent, parseRequestEnvelope, type Mesh } from '@agentmesh/core';
import { createInbox, headers, type Msg, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import fc from 'fast-check';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BatchWriter, batchHeadersFor, decodeBatch } from '../src/codec/batch.js';
import { callHeadersOf, readCallHeaders, WireHeaders } from '../src/codec/call-headers.js';
import { DECLINED_BLOCK } from '../src/codec/headers.js';
import { Header } from '../src/index.js';
import { describeWithNats } from './support/nats.js';
import { TestWorld, until } from './support/world.js';

const MAX = 2_000;

function validHeaders(): MsgHdrs {
  const h = headers();
  h.set(Header.id, 'req-1');
  h.set(Header.trace, 'trace-1;req-1');
  return h;
}

const validBody = { message: { id: 'm1', role: 'user', content: 'hi', metadata: {} }, depth: 1 };

function isValidBody(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const b = value as Record<string, unknown>;
  try {
    parseRequestEnvelope({ id: 'r', to: 'echo', traceId: 't', spanId: 's', message: b['message'], depth: b['depth'], principal: b['principal'] }, MAX);
    return true;
  } catch {
    return false;
  }
}

/** True when `bytes` is not a well-formed batch of `count` members. */
function unreadable(bytes: Uint8Array, count: string): boolean {
  try {
    decodeBatch(bytes, count);
    return false;
  } catch {
    return true;
  }
}

describeWithNats('ingress validation (fuzzed)', () => {
  let world: TestWorld;
  let server: Mesh;
  let raw: NatsConnection;
  let handled: number;
  let subject: string;

  beforeEach(async () => {
    world = new TestWorld();
    server = await world.mesh({ transport: { maxMessageBytes: MAX } });
    handled = 0;
    await server.register(defineAgent({ name: 'echo', handle: (m) => (handled++, m) }));
    raw = await world.raw();
    subject = `${world.prefix}.agent.echo`;
  });
  afterEach(async () => {
    await world.close();
  });

  async function ask(data: Uint8Array | string, h?: MsgHdrs): Promise<{ ok: boolean; error?: { code: string } }> {
    const reply = await raw.request(subject, data, h === undefined ? { timeout: 2_000 } : { timeout: 2_000, headers: h });
    return reply.json();
  }

  async function stillServes(): Promise<void> {
    await expect(ask(JSON.stringify(validBody), validHeaders())).resolves.toMatchObject({ ok: true, message: { content: 'hi' } });
  }

  it('answers random bytes with INVALID_MESSAGE and never reaches the agent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 3_000 }), fc.boolean(), async (bytes, withHeaders) => {
        const reply = await ask(bytes, withHeaders ? validHeaders() : undefined);
        expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
      }),
      { numRuns: 150 },
    );
    expect(handled).toBe(0);
    await stillServes();
    expect(handled).toBe(1);
  });

  it('answers any wrong JSON shape with INVALID_MESSAGE', async () => {
    const wrongMessage = fc.oneof(
      fc.jsonValue(),
      fc.record({ id: fc.jsonValue(), role: fc.jsonValue(), content: fc.jsonValue(), metadata: fc.jsonValue() }, { requiredKeys: [] }),
      fc.record({ id: fc.string({ minLength: 1 }), role: fc.constantFrom('robot', '', 'USER'), content: fc.jsonValue(), metadata: fc.object() }),
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ message: wrongMessage, depth: fc.jsonValue() }),
      fc.record({ message: fc.constant(validBody.message), depth: fc.oneof(fc.integer({ max: 0 }), fc.double().filter((d) => !Number.isInteger(d)), fc.string(), fc.constant(null)) }),
      fc.record({ message: fc.constant(validBody.message), depth: fc.constant(1), principal: fc.oneof(fc.jsonValue(), fc.record({ id: fc.constant('') })) }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        // Random JSON can, rarely, form a valid request (a principal of {"id":"x"}): not a wrong shape.
        fc.pre(!isValidBody(value));
        const reply = await ask(JSON.stringify(value), validHeaders());
        expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
      }),
      { numRuns: 200 },
    );
    expect(handled).toBe(0);
    await stillServes();
  });

  it('answers malformed headers with INVALID_MESSAGE', async () => {
    const header = fc.record(
      {
        id: fc.oneof(fc.constant(''), fc.constant('%E0%A4%A'), fc.stringMatching(/^[a-z0-9-]{1,20}$/)),
        trace: fc.oneof(fc.constant(''), fc.constant('only-one'), fc.constant('a;b;c;d'), fc.constant('%zz;x')),
        deadline: fc.oneof(fc.constant('soon'), fc.constant('Infinity'), fc.constant('1e400')),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(header, async (fields) => {
        const h = headers();
        if (fields.id !== undefined) h.set(Header.id, fields.id);
        h.set(Header.trace, fields.trace ?? 'bad');
        if (fields.deadline !== undefined) h.set(Header.deadline, fields.deadline);
        const reply = await ask(JSON.stringify(validBody), h);
        expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
      }),
      { numRuns: 100 },
    );
    expect(handled).toBe(0);
  });

  it('answers a batch it cannot read as a whole with INVALID_MESSAGE on the batch reply subject', async () => {
    const line = fc.tuple(fc.string({ maxLength: 8 }), fc.nat({ max: 40 }), fc.nat({ max: 40 })).map(([r, h, t]) => `${r} ${h} ${t}\r\n`);
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.array(fc.oneof(line, fc.string({ maxLength: 30 }), fc.constant(JSON.stringify(validBody)))).map((parts) => new TextEncoder().encode(parts.join(''))),
    );
    const count = fc.oneof(fc.constantFrom('1', '2', '3', '1025', '0', 'x', '-1'), fc.stringMatching(/^[!-~]{1,5}$/));
    await fc.assert(
      fc.asyncProperty(body, count, async (bytes, n) => {
        fc.pre(unreadable(bytes, n));
        const h = headers();
        h.set(Header.batch, n);
        expect(await ask(bytes, h)).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
      }),
      { numRuns: 200 },
    );
    expect(handled).toBe(0);
    await stillServes();
  });

  const block = (id: string, extra = ''): string => `NATS/1.0\r\n${Header.id}: ${id}\r\n${Header.trace}: t;${id}\r\n${extra}\r\n`;

  /**
   * A lone request from `inbox` that says it reads batches: the replica then checks that it may
   * answer that inbox (see ReplyReach), and takes batches from it once that is done.
   */
  async function introduce(inbox: string): Promise<void> {
    const h = validHeaders();
    h.set(Header.coalesce, inbox);
    const answer = new Promise<Msg>((resolve) => raw.subscribe(`${inbox}.intro`, { max: 1, callback: (_e, msg) => resolve(msg) }));
    await raw.flush();
    raw.publish(subject, JSON.stringify(validBody), { reply: `${inbox}.intro`, headers: h });
    await answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  /** Publishes a batch of [token, header block, body] members from `inbox`; resolves with what comes back on the batch token. */
  async function askBatch(inbox: string, members: [string, string, string][]): Promise<Msg> {
    const writer = new BatchWriter();
    for (const [token, h, body] of members) writer.add(`${inbox}.${token}`, h, body, Buffer.byteLength(body));
    const answer = new Promise<Msg>((resolve) => raw.subscribe(`${inbox}.batch`, { max: 1, callback: (_e, msg) => resolve(msg) }));
    await raw.flush();
    raw.publish(subject, writer.finish(), { reply: `${inbox}.batch`, headers: batchHeadersFor(members.length) });
    return answer;
  }

  it('handles each member of a batch as if it came alone, and answers them together on the batch reply subject', async () => {
    const inbox = createInbox();
    const members: [string, string, string][] = [
      ['good', block('r-good'), JSON.stringify(validBody)],
      ['json', block('r-json'), '{"message":'],
      ['shape', block('r-shape'), JSON.stringify({ message: 'no', depth: 1 })],
      ['big', block('r-big'), JSON.stringify({ ...validBody, message: { ...validBody.message, content: 'x'.repeat(MAX + 10) } })],
      ['utf8', block('r-utf8'), JSON.stringify({ ...validBody, message: { ...validBody.message, content: 'café ☕' } })],
    ];
    await introduce(inbox);
    handled = 0;
    const answer = await askBatch(inbox, members);
    const count = answer.headers?.get(Header.batch) ?? '';
    const framed = decodeBatch(answer.data, count);
    expect(framed.map((m) => m.reply.slice(inbox.length + 1))).toEqual(members.map(([token]) => token));
    // On a loaded machine the batch's 5 ms budget can run out: the rest is then declined.
    const replies = new Map(framed.filter((m) => m.headers === '').map((m) => [m.reply.slice(inbox.length + 1), JSON.parse(typeof m.body === 'string' ? m.body : new TextDecoder().decode(m.body)) as unknown]));
    for (const m of framed) if (m.headers !== '') expect(m.headers).toBe(DECLINED_BLOCK);
    expect(replies.get('good')).toMatchObject({ id: 'r-good', ok: true, message: { content: 'hi' } });
    if (replies.has('utf8')) expect(replies.get('utf8')).toMatchObject({ id: 'r-utf8', ok: true, message: { content: 'café ☕' } });
    for (const token of ['json', 'shape', 'big']) {
      if (replies.has(token)) expect(replies.get(token), token).toMatchObject({ id: `r-${token}`, ok: false, error: { code: 'INVALID_MESSAGE' } });
    }
    expect(handled).toBe(replies.has('utf8') ? 2 : 1);
    await stillServes();
  });

  it('declines a batch from an inbox it has not checked it may answer, before handling any member', async () => {
    const answer = await askBatch(createInbox(), [['good', block('r-good'), JSON.stringify(validBody)]]);
    expect(answer.headers?.get(Header.batch) ?? '').toBe('');
    expect(answer.json()).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    expect(handled).toBe(0);
  });

  it('refuses a batch as a whole, before handling any member, when a member has no call headers, is a batch, or replies elsewhere', async () => {
    const good: [string, string, string] = ['good', block('r-good'), JSON.stringify(validBody)];
    const cases: [string, [string, string, string]][] = [
      ['no headers', ['bare', '', JSON.stringify(validBody)]],
      ['a batch in a batch', ['nested', block('r-nested', `${Header.batch}: 2\r\n`), JSON.stringify(validBody)]],
      ['another inbox', ['x.y', block('r-elsewhere'), JSON.stringify(validBody)]],
    ];
    const inbox = createInbox();
    await introduce(inbox);
    handled = 0;
    for (const [label, bad] of cases) {
      const answer = await askBatch(inbox, [good, bad]);
      expect(answer.headers?.get(Header.batch) ?? '', label).toBe('');
      expect(answer.json(), label).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    }
    expect(handled).toBe(0);
    await stillServes();
  });

  for (const maxCoalesced of [64, 1]) {
    it(`handles a batch until a member awaits, and declines the rest unhandled (maxCoalesced: ${maxCoalesced})`, async () => {
      let started = 0;
      const waited = (): Promise<string> => new Promise((resolve) => setTimeout(() => resolve('waited'), 20));
      const replica = maxCoalesced === 64 ? server : await world.mesh({ transport: { maxCoalesced } });
      const name = `mixed${maxCoalesced}`;
      await replica.register(defineAgent({ name, handle: (m) => (started++, m.content === 'wait' ? waited() : m.content) }));
      subject = `${world.prefix}.agent.${name}`;
      const inbox = createInbox();
      await introduce(inbox);
      const late = new Promise<Msg>((resolve) => raw.subscribe(`${inbox}.b`, { max: 1, callback: (_e, msg) => resolve(msg) }));
      const body = (content: string): string => JSON.stringify({ ...validBody, message: { ...validBody.message, content } });
      const batch: [string, string, string][] = [
        ['a', block('r-a'), body('quick')],
        ['b', block('r-b'), body('wait')],
        ['c', block('r-c'), body('quick')],
        ['d', block('r-d'), body('quick')],
      ];
      // A replica that does not batch itself checks the inbox when its first batch comes.
      let answer = await askBatch(inbox, batch);
      if ((answer.headers?.get(Header.batch) ?? '') === '') {
        await new Promise((resolve) => setTimeout(resolve, 50));
        answer = await askBatch(inbox, batch);
      }
      started = started > 0 ? started - 1 : 0; // the introduction
      const members = new Map(decodeBatch(answer.data, answer.headers?.get(Header.batch) ?? '').map((m) => [m.reply.slice(inbox.length + 1), m.headers === '' ? 'reply' : m.headers]));
      expect(members.get('a')).toBe('reply');
      expect(members.get('c')).toBe(DECLINED_BLOCK);
      expect(members.get('d')).toBe(DECLINED_BLOCK);
      // b awaited (answered later on its own subject), or on a loaded machine the 5 ms budget ran
      // out before it and it was declined too.
      if (members.has('b')) expect(members.get('b')).toBe(DECLINED_BLOCK);
      else expect((await late).json()).toMatchObject({ id: 'r-b', ok: true, message: { content: 'waited' } });
      expect(started).toBe(members.has('b') ? 1 : 2);
    });
  }

  it('reads call headers from the raw block of real nats.js messages (the fast path is in place)', async () => {
    const seen: { raw: boolean; fast: unknown; decoded: unknown }[] = [];
    const probe = raw.subscribe(`${world.prefix}.probe`, {
      callback: (_e, msg) => {
        const internals = msg as unknown as { _rdata?: unknown; _msg?: { hdr?: unknown } };
        const fast = callHeadersOf(msg);
        seen.push({ raw: internals._rdata instanceof Uint8Array && typeof internals._msg?.hdr === 'number', fast, decoded: readCallHeaders(msg.headers!) });
      },
    });
    const h = validHeaders();
    h.set(Header.from, 'caf%C3%A9');
    raw.publish(`${world.prefix}.probe`, JSON.stringify(validBody), { headers: h });
    await raw.flush();
    await until(() => seen.length === 1);
    probe.unsubscribe();
    // If a nats.js upgrade moves its internals, this fails rather than silently taking the slow path.
    expect(seen[0]!.raw).toBe(true);
    expect(seen[0]!.fast).toEqual(seen[0]!.decoded);
    expect(seen[0]!.fast).toMatchObject({ id: 'req-1', trace: 'trace-1;req-1', from: 'caf%C3%A9' });
  });

  it('refuses a header block nats.js cannot decode, with a bad body, and keeps serving', async () => {
    // nats.js throws when it reads such a block; that must not escape into its reader loop.
    const block = new TextEncoder().encode(`NATS/1.0\r\n${Header.id}: r2\r\nBad Key: x\r\n\r\n`);
    await expect(ask('garbage', new WireHeaders(block))).resolves.toMatchObject({ id: 'r2', ok: false, error: { code: 'INVALID_MESSAGE' } });
    await expect(ask(JSON.stringify(validBody), new WireHeaders(block))).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    expect(handled).toBe(0);
    await stillServes();
  });

  it('refuses oversize payloads before parsing them', async () => {
    const big = { message: { id: 'm1', role: 'user', content: 'x'.repeat(MAX + 100), metadata: {} }, depth: 1 };
    await expect(ask(JSON.stringify(big), validHeaders())).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    const huge = new Uint8Array(200 * 1024).fill(0x7b);
    await expect(ask(huge, validHeaders())).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
    expect(handled).toBe(0);
    await stillServes();
  });

  it('survives garbage without a reply subject, on the cancel subject and on event subjects', async () => {
    const events: unknown[] = [];
    const sub = server.subscribe('audit.>', (m) => void events.push(m.content));
    await sub.ready;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), async (bytes) => {
        raw.publish(subject, bytes);
        raw.publish(`${world.prefix}.cancel.echo`, bytes);
        raw.publish(`${world.prefix}.event.audit.x`, bytes);
        raw.publish(`${world.prefix}.discover`, bytes);
      }),
      { numRuns: 100 },
    );
    await raw.flush();
    await server.publish('audit.ok', createMessage({ content: 'valid' }));
    await until(() => events.length === 1);
    expect(events).toEqual(['valid']);
    expect(handled).toBe(0);
    await stillServes();
  });

  it('turns a garbage reply into INVALID_MESSAGE for the caller', async () => {
    const caller = await world.mesh();
    const liar = raw.subscribe(`${world.prefix}.agent.liar`, { callback: (_e, msg) => void msg.respond('{"id": 1, "ok": "yes"}') });
    const wrongId = raw.subscribe(`${world.prefix}.agent.other`, {
      callback: (_e, msg) => void msg.respond(JSON.stringify({ id: 'someone-else', ok: true, message: validBody.message })),
    });
    await raw.flush();
    const badBlock = new TextEncoder().encode('NATS/1.0\r\nBad Key: x\r\n\r\n');
    const unreadable = raw.subscribe(`${world.prefix}.agent.unreadable`, {
      callback: (_e, msg) => void msg.respond('{}', { headers: new WireHeaders(badBlock) }),
    });
    await raw.flush();
    await expect(caller.invoke('liar', 'x', { timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(caller.invoke('other', 'x', { timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(caller.invoke('unreadable', 'x', { timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    // The caller's connection still delivers replies.
    await expect(caller.invoke('echo', 'still here', { timeoutMs: 2_000 })).resolves.toMatchObject({ content: 'still here' });
    liar.unsubscribe();
    wrongId.unsubscribe();
    unreadable.unsubscribe();
  });
});
