import { createMesh, defineAgent, InMemoryTransport, type Message } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { meshErrorOf } from '../../test/support/outcome.js';
import { requestWorld, Summarize, Translate, Worker } from '../../test/support/requests.js';
import { defineRequest } from './define-request.js';
import { RequestReplyProtocol } from './request-reply-protocol.js';

describe('RequestReplyProtocol: the callee', () => {
  it('serves several request types on one agent, and different handlers on different agents', async () => {
    const { mesh, protocol, worker } = await requestWorld();
    const other = new Worker({ name: 'other' });
    await mesh.register(other);
    protocol.handleRequest(worker, Summarize, (input) => ({ summary: input.text, words: 1 }));
    protocol.handleRequest(worker, Translate, async (input) => `${input.text}@${input.to}`);
    protocol.handleRequest(other, Translate, (input) => `other:${input.to}`);
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'a' })).resolves.toEqual({ summary: 'a', words: 1 });
    await expect(protocol.sendRequest('caller', 'worker', Translate, { text: 'b', to: 'fr' })).resolves.toBe('b@fr');
    await expect(protocol.sendRequest('caller', 'other', Translate, { text: 'b', to: 'de' })).resolves.toBe('other:de');
  });

  it('fails NO_HANDLER at the callee for a type the agent does not serve, naming what it serves', async () => {
    const { protocol, worker } = await requestWorld();
    protocol.handleRequest(worker, Summarize, () => ({ summary: '', words: 0 }));
    protocol.handleRequest(worker, Translate, () => '');
    const error = await meshErrorOf(protocol.sendRequest('caller', 'worker', 'refund', { amount: 5 }));
    expect(error.code).toBe('NO_HANDLER');
    expect(error.message).toBe('agent "worker" has no handler for request type "refund" (it serves: summarize, translate)');
    expect(error.details).toEqual({ requestType: 'refund', served: ['summarize', 'translate'] });
  });

  it("hands requests to the agent's own handle when it registered no typed handlers", async () => {
    const { mesh, protocol } = await requestWorld();
    const seen: Message[] = [];
    await mesh.register(defineAgent({ name: 'manual', handle: (m) => (seen.push(m), { summary: 'by hand', words: 2 }) }));
    await expect(protocol.sendRequest('caller', 'manual', Summarize, { text: 'x' })).resolves.toEqual({ summary: 'by hand', words: 2 });
    expect(seen[0]!.metadata['requestType']).toBe('summarize');
    // A plain Agent handles nothing: the mesh's own NO_HANDLER.
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' })).rejects.toMatchObject({ code: 'NO_HANDLER' });
  });

  it('validates the payload again at the callee (its trust boundary) before the handler runs', async () => {
    const { protocol, worker } = await requestWorld();
    let calls = 0;
    protocol.handleRequest(worker, Summarize, () => (calls++, { summary: '', words: 0 }));
    // An untyped caller (or another process) can send anything.
    const error = await meshErrorOf(protocol.sendRequest('caller', 'worker', 'summarize', { text: 42 }));
    expect(error.code).toBe('INVALID_MESSAGE');
    expect(error.message).toContain('payload of request "summarize"');
    expect(calls).toBe(0);
  });

  it('refuses a second handler for the same type on one agent; removing it restores the previous behaviour', async () => {
    const { protocol, worker } = await requestWorld();
    const remove = protocol.handleRequest(worker, Summarize, () => ({ summary: 'first', words: 0 }));
    expect(() => protocol.handleRequest(worker, Summarize, () => ({ summary: 'second', words: 0 }))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const removeTranslate = protocol.handleRequest(worker, Translate, () => 'hi');
    remove();
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' })).rejects.toMatchObject({ code: 'NO_HANDLER', details: { served: ['translate'] } });
    removeTranslate();
    removeTranslate();
    // No typed handlers left: the agent's own (refusing) handler answers again.
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' })).rejects.toMatchObject({ code: 'NO_HANDLER', message: 'agent "worker" does not handle messages' });
    protocol.handleRequest(worker, Summarize, () => ({ summary: 'again', words: 0 }));
    await expect(protocol.sendRequest('caller', 'worker', Summarize, { text: 'x' })).resolves.toMatchObject({ summary: 'again' });
  });

  it('parses the payload it received, on both sides, whatever a middleware did to it', async () => {
    let parses = 0;
    const Counted = defineRequest('counted', { input: z.object({ n: z.number().nonnegative() }).refine(() => ++parses > 0), output: z.number() });
    const { mesh, protocol, worker } = await requestWorld();
    protocol.handleRequest(worker, Counted, ({ n }) => n);
    await expect(protocol.sendRequest('caller', 'worker', Counted, { n: 1 })).resolves.toBe(1);
    expect(parses).toBe(2); // the caller checks before sending, the callee parses what it got
    // A middleware that swaps the content: the callee sees (and checks) what it got.
    mesh.use((call, next) => next({ ...call, message: { ...call.message, content: { n: 99 } } }));
    await expect(protocol.sendRequest('caller', 'worker', Counted, { n: 2 })).resolves.toBe(99);
    expect(parses).toBe(4);
    // regression: one that edits the content in place cannot slip a value past the callee's schema.
    const { mesh: edited, protocol: editedProtocol, worker: editedWorker } = await requestWorld();
    editedProtocol.handleRequest(editedWorker, Counted, ({ n }) => n);
    edited.use((call, next) => ((call.message.content as { n: number }).n = -5, next(call)));
    await expect(editedProtocol.sendRequest('caller', 'worker', Counted, { n: 3 })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    // Across processes (a serializing transport) the callee parses again.
    const transport = new InMemoryTransport({ serialize: true });
    const here = createMesh({ transport, closeTransport: false });
    const there = createMesh({ transport, closeTransport: false });
    const client = new RequestReplyProtocol(here);
    const remoteWorker = new Worker({ name: 'remote' });
    await there.register(remoteWorker);
    new RequestReplyProtocol(there).handleRequest(remoteWorker, Counted, ({ n }) => n + 1);
    parses = 0;
    await expect(client.sendRequest('caller', 'remote', Counted, { n: 1 })).resolves.toBe(2);
    expect(parses).toBe(2);
  });

  it('passes non-protocol messages through untouched', async () => {
    const { mesh, protocol } = await requestWorld();
    await mesh.register(defineAgent({ name: 'echo', handle: (m) => m }));
    protocol.handleRequest(mesh.registry.get('echo')!, Summarize, () => ({ summary: '', words: 0 }));
    await expect(mesh.invoke('echo', { content: 'plain', metadata: { protocol: 'something-else' } })).resolves.toMatchObject({ content: 'plain' });
    await expect(mesh.invoke('echo', { content: 'odd', metadata: { protocol: 'agentmesh.request-reply' } })).resolves.toMatchObject({ content: 'odd' });
  });
});
