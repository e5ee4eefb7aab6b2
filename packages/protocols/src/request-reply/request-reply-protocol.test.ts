import { createMesh, defineAgent, MeshError, type Message, type RequestContext } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { meshErrorOf } from '../../test/support/outcome.js';
import { requestWorld, Summarize } from '../../test/support/requests.js';
import { expectContinuedContext } from '../../test/support/time.js';
import { defineRequest } from './define-request.js';
import { RequestReplyProtocol } from './request-reply-protocol.js';
import { REQUEST_REPLY_PROTOCOL } from './wire.js';

describe('RequestReplyProtocol: the caller', () => {
  it('sends a typed request and resolves the parsed answer; the request carries its id and type (guide bug 2)', async () => {
    const { protocol, worker, inbound } = await requestWorld();
    const seen: { input: unknown; ctx: RequestContext }[] = [];
    protocol.handleRequest(worker, Summarize, (input, ctx) => {
      seen.push({ input, ctx });
      return { summary: input.text.slice(0, 5), words: input.maxWords };
    });
    const result = await protocol.sendRequest('caller', 'worker', Summarize, { text: 'hello world' });
    expect(result).toEqual({ summary: 'hello', words: 50 });
    expect(seen[0]!.input).toEqual({ text: 'hello world', maxWords: 50 });
    const request = inbound.messages[0]!.message;
    expect(request.metadata).toEqual({ protocol: REQUEST_REPLY_PROTOCOL, requestId: request.id, requestType: 'summarize', replyTo: 'caller' });
    expect(request.content).toEqual({ text: 'hello world' });
    expect(protocol.pendingCount).toBe(0);
  });

  it('sends untyped requests (a type name and JSON) and resolves the reply message', async () => {
    const { mesh, protocol } = await requestWorld();
    await mesh.register(defineAgent({ name: 'manual', handle: (m) => ({ type: m.metadata['requestType'] ?? null, got: m.content }) }));
    const reply: Message = await protocol.sendRequest('caller', 'manual', 'lookup', { id: 7 });
    expect(reply.content).toEqual({ type: 'lookup', got: { id: 7 } });
  });

  it("answers directly with a plain reply: content is the answer, no protocol metadata (it is the call's own reply)", async () => {
    const { protocol, worker } = await requestWorld();
    protocol.handleRequest(worker, Summarize, (input) => ({ summary: input.text, words: 1 }));
    const reply: Message = await protocol.sendRequest('caller', 'worker', 'summarize', { text: 'hi' });
    expect(reply).toEqual({ id: expect.stringMatching(/\.reply$/), role: 'assistant', content: { summary: 'hi', words: 1 }, metadata: {} });
  });

  it('keeps caller metadata but never lets it override the protocol keys', async () => {
    const { protocol, worker, inbound } = await requestWorld();
    protocol.handleRequest(worker, Summarize, () => ({ summary: '', words: 0 }));
    await protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { metadata: { tenant: 'acme', requestType: 'spoofed', requestId: 'r-0' } });
    const meta = inbound.messages[0]!.message.metadata;
    expect(meta).toMatchObject({ tenant: 'acme', requestType: 'summarize' });
    expect(meta['requestId']).not.toBe('r-0');
  });

  it('fails INVALID_MESSAGE for a bad payload before anything is sent', async () => {
    const { protocol, worker, inbound } = await requestWorld();
    let calls = 0;
    protocol.handleRequest(worker, Summarize, () => (calls++, { summary: '', words: 0 }));
    const error = await meshErrorOf(protocol.sendRequest('caller', 'worker', Summarize, { text: '', maxWords: -1 }));
    expect(error.code).toBe('INVALID_MESSAGE');
    expect(error.details?.['issues']).toEqual([
      expect.objectContaining({ path: 'text' }),
      expect.objectContaining({ path: 'maxWords' }),
    ]);
    // Not JSON: the schema accepts it, the mesh refuses it, still before sending.
    const Loose = defineRequest('loose', { input: z.any(), output: z.any() });
    await expect(protocol.sendRequest('caller', 'worker', Loose, { when: new Date() })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(inbound.messages).toHaveLength(0);
    expect(calls).toBe(0);
    expect(protocol.pendingCount).toBe(0);
  });

  it('fails INVALID_MESSAGE at the caller when the answer breaks the output schema', async () => {
    const { mesh, protocol } = await requestWorld();
    await mesh.register(defineAgent({ name: 'sloppy', handle: () => ({ summary: 42 }) }));
    const error = await meshErrorOf(protocol.sendRequest('caller', 'sloppy', Summarize, { text: 'x' }));
    expect(error.code).toBe('INVALID_MESSAGE');
    expect(error.message).toContain('reply to request "summarize" from "sloppy"');
    expect(protocol.pendingCount).toBe(0);
  });

  it('rejects with the callee failure as a MeshError, never a resolved "error" message (guide bug 10)', async () => {
    const { protocol, worker } = await requestWorld();
    protocol.handleRequest(worker, Summarize, (input) => {
      if (input.text === 'mesh') throw new MeshError('QUEUE_FULL', 'too busy', { retryAfterMs: 50 });
      throw new RangeError('model exploded');
    });
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'boom' })).rejects.toMatchObject({
      code: 'HANDLER_ERROR',
      remote: { name: 'RangeError', message: 'model exploded' },
    });
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'mesh' })).rejects.toMatchObject({ code: 'QUEUE_FULL', retryAfterMs: 50 });
    await expect(protocol.sendRequest('caller', 'nobody', Summarize, { text: 'x' })).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    expect(protocol.pendingCount).toBe(0);
  });

  it('cleans up when an outbound middleware throws synchronously', async () => {
    const { mesh, protocol, clock } = await requestWorld();
    mesh.use(() => {
      throw new MeshError('ACCESS_DENIED', 'policy says no');
    });
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { resetTimeoutOnProgress: true, timeoutMs: 100 })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(protocol.pendingCount).toBe(0);
    expect(clock.liveTimers).toBe(0);
  });

  it('applies transforms where they belong: input transforms at the callee, output transforms at the caller', async () => {
    const { protocol, worker } = await requestWorld();
    const Schedule = defineRequest('schedule', {
      input: z.object({ at: z.iso.datetime().transform((s) => new Date(s)) }),
      output: z.object({ epochMs: z.number() }).transform((o) => new Date(o.epochMs)),
    });
    protocol.handleRequest(worker, Schedule, ({ at }) => ({ epochMs: at.getTime() + 1_000 }));
    const when = await protocol.sendRequest('caller', 'worker', Schedule, { at: '2030-01-01T00:00:00Z' });
    expect(when).toEqual(new Date(Date.UTC(2030, 0, 1, 0, 0, 1)));
  });

  it('inherits the caller context inside a handler: depth grows, deadline and trace are kept (guide bug 10)', async () => {
    const { mesh, protocol, worker } = await requestWorld();
    let inner: RequestContext | undefined;
    protocol.handleRequest(worker, Summarize, (_input, ctx) => {
      inner = ctx;
      return { summary: 's', words: 1 };
    });
    let outer: RequestContext | undefined;
    await mesh.register(
      defineAgent({
        name: 'boss',
        handle: async (_m, ctx) => {
          outer = ctx;
          return protocol.sendRequest('boss', 'worker', Summarize, { text: 'x' }, { context: ctx, timeoutMs: 60_000 });
        },
      }),
    );
    await mesh.invoke('boss', 'go', { timeoutMs: 2_000 });
    expectContinuedContext(inner, outer);
  });

  it('refuses bad options, a second protocol per mesh, and requests after close, with typed errors', async () => {
    const { mesh, protocol } = await requestWorld();
    expect(() => new RequestReplyProtocol(mesh)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new RequestReplyProtocol(createMesh(), { defaultTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new RequestReplyProtocol(createMesh(), { maxTotalTimeoutMs: Number.NaN })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' }, { timeoutMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(protocol.sendRequest('caller', 'worker', 'x', null, { resetTimeoutOnProgress: true, maxTotalTimeoutMs: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    protocol.close();
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' })).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
