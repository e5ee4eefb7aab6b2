import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { requestWorld } from '../../test/support/requests.js';
import { codecsOf, defineRequest } from './define-request.js';

describe('defineRequest', () => {
  it('refuses an empty type and non-zod schemas with INVALID_ARGUMENT', () => {
    expect(() => defineRequest('', { input: z.string(), output: z.string() })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => defineRequest('x', { input: { parse: () => 1 } as never, output: z.string() })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: 'request "x": input must be a zod schema' }));
    expect(() => defineRequest('x', { input: z.string(), output: null as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('returns a frozen definition', () => {
    const definition = defineRequest('ping', { input: z.null(), output: z.literal('pong') });
    expect(Object.isFrozen(definition)).toBe(true);
    expect(definition.type).toBe('ping');
  });

  it('works end to end with zod/mini schemas', async () => {
    const { protocol, worker } = await requestWorld();
    const Double = defineRequest('double', { input: zm.object({ n: zm.number() }), output: zm.number() });
    protocol.handleRequest(worker, Double, ({ n }) => n * 2);
    await expect(protocol.sendRequest('caller', 'worker', Double, { n: 21 })).resolves.toBe(42);
    await expect(protocol.sendRequest('caller', 'worker', Double, { n: 'x' } as never)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });

  it('works with a definition written by hand, and with schemas only zod itself can run', async () => {
    const { protocol, worker } = await requestWorld();
    // Not from defineRequest: its schemas are looked up (and compiled) on first use.
    const Pad = { type: 'pad', input: z.object({ text: z.string(), width: z.number().int().default(4) }), output: z.string().transform((s) => s.length) } as const;
    protocol.handleRequest(worker, Pad, (input) => input.text.padEnd(input.width, '.'));
    await expect(protocol.sendRequest('caller', 'worker', Pad, { text: 'ab' })).resolves.toBe(4);
    await expect(protocol.sendRequest('caller', 'worker', Pad, { text: 'ab', width: 1.5 })).rejects.toMatchObject({ code: 'INVALID_MESSAGE', details: { issues: [expect.objectContaining({ path: 'width' })] } });
    // A compiled schema strips unknown keys like zod and still reports zod's issues.
    const Echo = defineRequest('echo', { input: z.object({ a: z.string().min(2) }), output: z.object({ a: z.string() }) });
    protocol.handleRequest(worker, Echo, (input) => ({ ...input, extra: true }));
    await expect(protocol.sendRequest('caller', 'worker', Echo, { a: 'xy' })).resolves.toStrictEqual({ a: 'xy' });
    await expect(protocol.sendRequest('caller', 'worker', Echo, { a: 'x' })).rejects.toMatchObject({
      code: 'INVALID_MESSAGE',
      details: { issues: [expect.objectContaining({ path: 'a', code: 'too_small' })] },
    });
  });

  it('uses the schemas of a definition derived from another, not the original ones', async () => {
    const { protocol, worker } = await requestWorld();
    const V1 = defineRequest('v1', { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) });
    await expect(protocol.sendRequest('caller', 'nobody-needed', V1, { n: 'x' } as never)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    const V2 = { ...V1, type: 'v2', input: z.object({ s: z.string() }), output: z.object({ s: z.string() }) };
    const V3 = Object.create(V1, { type: { value: 'v3' }, input: { value: z.object({ b: z.boolean() }) }, output: { value: z.boolean() } }) as typeof V1;
    protocol.handleRequest(worker, V2, (input) => ({ s: input.s.toUpperCase() }));
    protocol.handleRequest(worker, V3, () => true as never);
    await expect(protocol.sendRequest('caller', 'worker', V2, { s: 'ok' })).resolves.toEqual({ s: 'OK' });
    await expect(protocol.sendRequest('caller', 'worker', V2, { n: 5 } as never)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(protocol.sendRequest('caller', 'worker', V3, { b: true } as never)).resolves.toBe(true);
    await expect(protocol.sendRequest('caller', 'worker', V1, { n: 1 })).rejects.toMatchObject({ code: 'NO_HANDLER' });
  });

  it("keeps a definition's codecs in its own slot only: a derived definition used first does not take it", () => {
    const V1 = defineRequest('v1', { input: z.object({ n: z.number() }), output: z.string() });
    const V3 = Object.create(V1, { input: { value: z.object({ b: z.boolean() }) } }) as typeof V1;
    expect(codecsOf(V3).inputSchema).toBe(V3.input);
    expect(codecsOf(V1).inputSchema).toBe(V1.input);
    expect(codecsOf(V1)).toBe(codecsOf(V1));
  });

  it('reads schemas on first use, so a shape getter may refer to a schema declared after the definition', async () => {
    const { protocol, worker } = await requestWorld();
    const Chain = defineRequest('chain', {
      input: z.object({
        name: z.string(),
        get next() {
          return Later.optional();
        },
      }),
      output: z.string(),
    });
    const Later = z.object({ x: z.string() });
    protocol.handleRequest(worker, Chain, (input) => `${input.name}:${input.next?.x ?? '-'}`);
    await expect(protocol.sendRequest('caller', 'worker', Chain, { name: 'a', next: { x: 'b' } })).resolves.toBe('a:b');
  });

  it('fails with a MeshError, not a raw error, when reading the payload throws or a schema is not a zod schema', async () => {
    const { protocol, worker } = await requestWorld();
    const D = defineRequest('d', { input: z.object({ a: z.string() }), output: z.string() });
    const payload = {
      get a(): string {
        throw new Error('getter boom');
      },
    };
    await expect(protocol.sendRequest('caller', 'worker', D, payload)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const Bad = { type: 'bad', input: 'not a schema', output: z.string() } as never;
    await expect(protocol.sendRequest('caller', 'worker', Bad, 1 as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => protocol.handleRequest(worker, Bad, () => '' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(protocol.pendingCount).toBe(0);
  });

  it('refuses schemas with async refinements (INVALID_ARGUMENT), since parsing is synchronous', async () => {
    const { protocol } = await requestWorld();
    const Slow = defineRequest('slow', { input: z.string().refine(async () => true), output: z.string() });
    await expect(protocol.sendRequest('caller', 'worker', Slow, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(protocol.pendingCount).toBe(0);
  });
});
