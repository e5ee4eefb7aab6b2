import { InMemoryTransport, createMessage, type Message, type Mesh, type RequestContext } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { deferred, hangUntilAborted, rejectionOf } from '../../test/helpers.js';
import { useMeshes } from '../../test/meshes.js';
import { ChainOfResponsibilityAgent } from './chain-agent.js';
import { createChain } from './create-chain.js';
import { CHAIN_PATH_KEY } from './path.js';

const { mesh: newMesh } = useMeshes();
const mesh = (serialize = false): Mesh => newMesh({ transport: new InMemoryTransport({ serialize }) });

/** A support desk: triage (nothing), billing, tech, then refunds three links down. */
function desk(seen: Message[], refunds?: (message: Message, ctx: RequestContext) => unknown) {
  const handler = (team: string) => (message: Message) => {
    seen.push(message);
    return createMessage({ role: 'assistant', content: `${team} handled it`, metadata: { team } });
  };
  return createChain([
    { name: 'triage' },
    { name: 'billing', supportedTypes: ['invoice'], handleRequest: handler('billing') },
    { name: 'tech', supportedTypes: ['outage', 'bug'], handleRequest: handler('tech') },
    {
      name: 'refunds',
      supportedTypes: ['refund'],
      handleRequest: (message, ctx) => (refunds === undefined ? handler('refunds')(message) : (refunds(message, ctx) as Message)),
    },
  ]);
}

describe('chain of responsibility', () => {
  it('regression (guide bug 4): passes the whole message on, so a link three down matches on metadata.type', async () => {
    const m = mesh(true);
    const seen: Message[] = [];
    const chain = desk(seen);
    await chain.register(m);
    const request = createMessage({ content: { order: 'A-17', amount: 42.5 }, name: 'alice', metadata: { type: 'refund', priority: 'high', tags: ['vip'] } });
    const reply = await m.invoke(chain.entry, request);
    expect(reply).toMatchObject({ content: 'refunds handled it', metadata: { team: 'refunds' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual({ ...request, metadata: { ...request.metadata, [CHAIN_PATH_KEY]: ['triage', 'billing', 'tech'] } });
  });

  it('stops at the first link that accepts', async () => {
    const m = mesh();
    const seen: Message[] = [];
    await desk(seen).register(m);
    expect((await m.invoke('triage', { content: 'x', metadata: { type: 'bug' } })).content).toBe('tech handled it');
    expect((await m.invoke('billing', { content: 'x', metadata: { type: 'invoice' } })).content).toBe('billing handled it');
  });

  it('fails NO_HANDLER naming the path when no link accepts', async () => {
    const m = mesh();
    await desk([]).register(m);
    const error = await rejectionOf(m.invoke('triage', { content: 'hi', metadata: { type: 'compliment' } }));
    expect(error).toMatchObject({ code: 'NO_HANDLER', details: { type: 'compliment', path: ['triage', 'billing', 'tech', 'refunds'] } });
    expect(error.message).toContain('triage → billing → tech → refunds');
    expect((await rejectionOf(m.invoke('triage', 'no type at all'))).code).toBe('NO_HANDLER');
  });

  it('stops a loop with MAX_DEPTH naming it, before the mesh depth limit', async () => {
    const m = mesh();
    const a = new ChainOfResponsibilityAgent({ name: 'a', nextHandler: 'b' });
    const b = new ChainOfResponsibilityAgent({ name: 'b', nextHandler: 'c' });
    const c = new ChainOfResponsibilityAgent({ name: 'c', nextHandler: 'a' });
    for (const agent of [a, b, c]) await m.register(agent);
    const error = await rejectionOf(m.invoke('a', { content: 'x', metadata: { type: 'anything' } }));
    expect(error).toMatchObject({ code: 'MAX_DEPTH', details: { reason: 'loop', path: ['a', 'b', 'c', 'a'] } });
    expect(error.message).toBe('chain loops: a → b → c → a');
  });

  it('detects a loop at the link reached twice, too (a path that says it was already there)', async () => {
    const m = mesh();
    await m.register(new ChainOfResponsibilityAgent({ name: 'solo', nextHandler: 'elsewhere' }));
    const error = await rejectionOf(m.invoke('solo', { content: 'x', metadata: { [CHAIN_PATH_KEY]: ['solo', 'other'] } }));
    expect(error).toMatchObject({ code: 'MAX_DEPTH', details: { reason: 'loop', path: ['solo', 'other', 'solo'] } });
  });

  it('stops a chain longer than maxHops with MAX_DEPTH', async () => {
    const m = mesh();
    const chain = createChain(
      Array.from({ length: 6 }, (_, i) => ({ name: `link${i}` })),
      { maxHops: 3 },
    );
    await chain.register(m);
    const error = await rejectionOf(m.invoke(chain.entry, { content: 'x', metadata: { type: 'rare' } }));
    expect(error).toMatchObject({ code: 'MAX_DEPTH', details: { reason: 'hop-limit', maxHops: 3, path: ['link0', 'link1', 'link2'] } });
  });

  it('returns a failing handler’s error to the caller, never a success that says "error"', async () => {
    const m = mesh();
    await createChain([
      { name: 'front' },
      {
        name: 'back',
        supportedTypes: ['*'],
        handleRequest: () => {
          throw new Error('ledger locked');
        },
      },
    ]).register(m);
    const error = await rejectionOf(m.invoke('front', 'x'));
    expect(error).toMatchObject({ code: 'HANDLER_ERROR', remote: { message: 'ledger locked' } });
  });

  it('accepts custom canHandle, subclasses and the "*" catch-all', async () => {
    const m = mesh();
    class Escalation extends ChainOfResponsibilityAgent {
      override handleRequest(message: Message): string {
        return `escalated ${message.metadata['type'] as string}`;
      }
    }
    const chain = createChain([
      { name: 'urgent', canHandle: (msg) => msg.metadata['priority'] === 'p0', handleRequest: () => 'paged on-call' },
      new Escalation({ name: 'fallback', supportedTypes: ['*'] }),
    ]);
    await chain.register(m);
    expect((await m.invoke('urgent', { content: 'x', metadata: { priority: 'p0' } })).content).toBe('paged on-call');
    expect((await m.invoke('urgent', { content: 'x', metadata: { type: 'billing' } })).content).toBe('escalated billing');
  });

  it('runs every link under the caller’s context; cancelling the caller aborts the handling link', async () => {
    const m = mesh();
    const seen: RequestContext[] = [];
    const started = deferred();
    const chain = desk([], (_message, ctx) => hangUntilAborted(seen, () => started.resolve())(ctx));
    await chain.register(m);
    const controller = new AbortController();
    const call = m.invoke('triage', { content: 'x', metadata: { type: 'refund' } }, { signal: controller.signal, timeoutMs: 5_000 });
    await started.promise;
    const ctx = seen[0]!;
    expect(ctx.depth).toBe(4);
    expect(ctx.from).toBe('tech');
    expect(ctx.deadline).toBeDefined();
    controller.abort();
    expect((await rejectionOf(call)).code).toBe('CANCELLED');
    expect(ctx.signal.aborted).toBe(true);
  });
});

describe('createChain', () => {
  it('links agents in order, overriding their next handler, and ends at `next`', () => {
    const first = new ChainOfResponsibilityAgent({ name: 'first', nextHandler: 'somewhere-else' });
    const chain = createChain([first, { name: 'second' }], { next: 'other-chain' });
    expect(chain.entry).toBe('first');
    expect(chain.agents.map((a) => [a.name, a.nextHandler])).toEqual([
      ['first', 'second'],
      ['second', 'other-chain'],
    ]);
    expect(chain.agents.every((a) => a.maxHops === 16)).toBe(true);
  });

  it('refuses no links, a name used twice, and a `next` inside the chain', () => {
    expect(() => createChain([])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createChain([{ name: 'a' }, { name: 'a' }])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('would loop') }));
    expect(() => createChain([{ name: 'a' }, { name: 'b' }], { next: 'a' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('refuses a link that accepts messages but cannot handle them', () => {
    expect(() => new ChainOfResponsibilityAgent({ name: 'lazy', supportedTypes: ['x'] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('rolls back a registration that fails half way', async () => {
    const m = mesh();
    await m.register(new ChainOfResponsibilityAgent({ name: 'taken' }));
    const chain = createChain([{ name: 'one' }, { name: 'two' }, { name: 'taken' }]);
    expect((await rejectionOf(chain.register(m))).code).toBe('AGENT_EXISTS');
    expect(m.registry.list().map((a) => a.name)).toEqual(['taken']);
  });
});
