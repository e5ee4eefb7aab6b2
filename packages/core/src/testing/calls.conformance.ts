import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import type { JsonValue } from '../message/json.js';
import { createMessage, type Message } from '../message/message.js';
import type { World } from './world.js';

const echo = { name: 'echo', handle: (m: Message) => m };

/** Calls: content and metadata, failures as typed errors, access, depth, replicas, bad input. */
export function callConformance(world: () => World): void {
  describe('calls', () => {
    it('delivers structured content and metadata unchanged, both ways', async () => {
      const mesh = await world().mesh();
      const seen: Message[] = [];
      await world().agents(mesh, {
        name: 'inspector',
        handle: (m) => {
          seen.push(m);
          return createMessage({ role: 'assistant', content: { got: m.content }, metadata: { ...m.metadata, answered: true } });
        },
      });
      const content = { items: [1, 2.5, 'three', null, true, { nested: ['x'] }], text: 'héllo ✓' };
      const metadata = { type: 'billing', priority: 3, tags: ['a', 'b'], inReplyTo: 'r-1' };
      const reply = await mesh.invoke('inspector', createMessage({ content, metadata, name: 'alice' }));
      expect(seen[0]!.content).toEqual(content);
      expect(seen[0]!.metadata).toEqual(metadata);
      expect(seen[0]!.name).toBe('alice');
      expect(reply.content).toEqual({ got: content });
      expect(reply.metadata).toEqual({ ...metadata, answered: true });
    });

    it('turns text and JSON results into assistant messages', async () => {
      const mesh = await world().mesh();
      await world().agents(mesh, { name: 'text', handle: () => 'plain' }, { name: 'json', handle: () => ({ n: 1 }) }, { name: 'none', handle: () => undefined });
      expect(await mesh.invoke('text', 'x')).toMatchObject({ role: 'assistant', content: 'plain' });
      expect(await mesh.invoke('json', 'x')).toMatchObject({ role: 'assistant', content: { n: 1 } });
      expect(await mesh.invoke('none', 'x')).toMatchObject({ role: 'assistant', content: null });
    });

    it('rejects with HANDLER_ERROR carrying the remote error, never a resolved "error" message', async () => {
      const mesh = await world().mesh();
      class LedgerError extends Error {
        override name = 'LedgerError';
        code = 'E_LEDGER';
      }
      await world().agents(mesh, { name: 'broken', handle: () => Promise.reject(new LedgerError('ledger locked')) }, { name: 'typo', handle: () => { throw new TypeError('x is not a function'); } });
      const error = await mesh.invoke('broken', 'hi').then(() => undefined, (e: unknown) => e);
      expect(MeshError.is(error, 'HANDLER_ERROR')).toBe(true);
      const e = error as MeshError;
      expect(e.remote).toEqual({ name: 'LedgerError', message: 'ledger locked', code: 'E_LEDGER' });
      expect(e.message).toContain('ledger locked');
      expect(e.retryable).toBe(true);
      const typo = await mesh.invoke('typo', 'hi').catch((x: unknown) => x as MeshError);
      expect(typo).toMatchObject({ code: 'HANDLER_ERROR', retryable: false, remote: { name: 'TypeError' } });
    });

    it('carries errors with empty messages and codes as they are (not as a malformed reply)', async () => {
      const mesh = await world().mesh();
      await world().agents(
        mesh,
        { name: 'mute', handle: () => Promise.reject(Object.assign(new Error(), { code: '' })) },
        {
          name: 'terse',
          handle: () => {
            throw new MeshError('CIRCUIT_OPEN', '', { retryAfterMs: 5 });
          },
        },
      );
      expect(await mesh.invoke('mute', 'x').catch((e: unknown) => e)).toMatchObject({ code: 'HANDLER_ERROR', retryable: true, remote: { name: 'Error', message: '', code: '' } });
      expect(await mesh.invoke('terse', 'x').catch((e: unknown) => e)).toMatchObject({ code: 'CIRCUIT_OPEN', message: '', retryAfterMs: 5 });
    });

    it('keeps the code of a MeshError thrown by a handler', async () => {
      const mesh = await world().mesh();
      await world().agents(mesh, {
        name: 'picky',
        handle: () => {
          throw new MeshError('CIRCUIT_OPEN', 'downstream open', { retryAfterMs: 250, details: { target: 'pager' } });
        },
      });
      await expect(mesh.invoke('picky', 'x')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryAfterMs: 250, retryable: true, details: { target: 'pager' } });
    });

    it('fails AGENT_NOT_FOUND for an unknown agent', async () => {
      const mesh = await world().mesh();
      await expect(mesh.invoke('nobody', 'hi')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    });

    it('fails ACCESS_DENIED for a denied edge whether or not the target exists', async () => {
      const mesh = await world().mesh({ access: { alice: ['bob'] } });
      await world().agents(mesh, { ...echo, name: 'bob' }, { ...echo, name: 'carol' });
      await expect(mesh.invoke('bob', 'hi', { from: 'alice' })).resolves.toMatchObject({ content: 'hi' });
      const existing = await mesh.invoke('carol', 'hi', { from: 'alice' }).then(() => undefined, (e: unknown) => e as MeshError);
      const missing = await mesh.invoke('nobody', 'hi', { from: 'alice' }).then(() => undefined, (e: unknown) => e as MeshError);
      expect(existing?.code).toBe('ACCESS_DENIED');
      expect(missing?.code).toBe('ACCESS_DENIED');
      expect(existing?.message.replace('carol', 'X')).toBe(missing?.message.replace('nobody', 'X'));
      await expect(mesh.invoke('bob', 'hi')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    });

    it('re-checks access on the serving side for calls that crossed the network', async () => {
      const caller = await world().mesh();
      const server = await world().mesh({ access: (from) => from === 'trusted' });
      await world().agents(server, echo);
      await expect(caller.invoke('echo', 'x', { from: 'trusted' })).resolves.toMatchObject({ content: 'x' });
      await expect(caller.invoke('echo', 'x', { from: 'mallory' })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    });

    it('stops A→B→A cycles with MAX_DEPTH', async () => {
      const mesh = await world().mesh({ maxDepth: 6 });
      const depths: number[] = [];
      const [a] = await world().agents(
        mesh,
        { name: 'ping', handle(m, ctx) { depths.push(ctx.depth); return this.invoke('pong', m, { context: ctx }); } },
        { name: 'pong', handle(m, ctx) { depths.push(ctx.depth); return this.invoke('ping', m, { context: ctx }); } },
      );
      await expect(a!.invoke('pong', 'loop')).rejects.toMatchObject({ code: 'MAX_DEPTH' });
      expect(depths).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('load-balances replicas of one agent across endpoints', async () => {
      const caller = await world().mesh();
      const counts = { a: 0, b: 0 };
      await world().agents(await world().mesh(), { name: 'worker', handle: () => { counts.a++; return 'a'; } });
      await world().agents(await world().mesh(), { name: 'worker', handle: () => { counts.b++; return 'b'; } });
      await Promise.all(Array.from({ length: 40 }, () => caller.invoke('worker', 'job')));
      expect(counts.a + counts.b).toBe(40);
      expect(counts.a).toBeGreaterThan(0);
      expect(counts.b).toBeGreaterThan(0);
    });

    describe('bad input fails INVALID_MESSAGE before anything is sent', () => {
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic['self'] = cyclic;
      const cases: [string, unknown][] = [
        ['a function', { fn: () => 1 }],
        ['a BigInt', { n: 10n }],
        ['a cycle', cyclic],
        ['NaN', { n: Number.NaN }],
        ['a Date instance', { when: new Date(0) }],
        ['a __proto__ key', JSON.parse('{"__proto__": {"polluted": true}}') as unknown],
        ['undefined in an array', [1, undefined]],
      ];
      for (const [label, content] of cases) {
        it(`content with ${label}`, async () => {
          const mesh = await world().mesh();
          let calls = 0;
          await world().agents(mesh, { name: 'sink', handle: () => { calls++; return 'ok'; } });
          await expect(mesh.invoke('sink', { content: content as JsonValue })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
          await expect(mesh.invoke('sink', { content: 'x', metadata: { bad: content as JsonValue } })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
          expect(calls).toBe(0);
        });
      }

      it('an oversize message, and an oversize reply', async () => {
        const mesh = await world().mesh({ limits: { maxMessageBytes: 1000 } });
        await world().agents(mesh, echo, { name: 'verbose', handle: () => 'y'.repeat(2000) });
        await expect(mesh.invoke('echo', 'x'.repeat(2000))).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
        await expect(mesh.invoke('echo', 'é'.repeat(600))).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
        await expect(mesh.invoke('echo', 'x'.repeat(500))).resolves.toMatchObject({ content: 'x'.repeat(500) });
        await expect(mesh.invoke('verbose', 'x')).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
      });

      it('a wrong role or missing metadata', async () => {
        const mesh = await world().mesh();
        await world().agents(mesh, echo);
        const bad = { id: 'm1', role: 'robot', content: 'x', metadata: {} } as unknown as Message;
        await expect(mesh.invoke('echo', bad)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
      });

      it('a handler reply that is not JSON', async () => {
        const mesh = await world().mesh();
        await world().agents(mesh, { name: 'bigint', handle: () => ({ n: 1n }) as unknown as JsonValue });
        await expect(mesh.invoke('bigint', 'x')).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
      });
    });

    it('carries progress frames in order, before the reply', async () => {
      const mesh = await world().mesh();
      await world().agents(mesh, {
        name: 'slowpoke',
        async handle(_m, ctx) {
          for (let i = 1; i <= 5; i++) {
            ctx.reportProgress({ step: i, of: 5 });
            await new Promise((r) => setImmediate(r));
          }
          return 'done';
        },
      });
      const events: JsonValue[] = [];
      const reply = await mesh.invoke('slowpoke', 'go', { onProgress: (p) => events.push(p) });
      events.push(reply.content);
      expect(events).toEqual([{ step: 1, of: 5 }, { step: 2, of: 5 }, { step: 3, of: 5 }, { step: 4, of: 5 }, { step: 5, of: 5 }, 'done']);
    });
  });
}
