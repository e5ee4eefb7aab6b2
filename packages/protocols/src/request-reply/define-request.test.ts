import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { requestWorld } from '../../test/support/requests.js';
import { defineRequest } from './define-request.js';

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

  it('refuses schemas with async refinements (INVALID_ARGUMENT), since parsing is synchronous', async () => {
    const { protocol } = await requestWorld();
    const Slow = defineRequest('slow', { input: z.string().refine(async () => true), output: z.string() });
    await expect(protocol.sendRequest('caller', 'worker', Slow, 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(protocol.pendingCount).toBe(0);
  });
});
