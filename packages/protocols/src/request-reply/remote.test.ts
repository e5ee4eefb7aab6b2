import { createMesh, InMemoryTransport, type JsonValue, type Mesh } from '@agentmesh/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Summarize, Translate, Worker } from '../../test/support/requests.js';
import { RequestReplyProtocol } from './request-reply-protocol.js';

/**
 * Two meshes sharing a transport that round-trips everything through JSON and the ingress
 * validators, as separate processes over a network would.
 */
describe('RequestReplyProtocol across processes', () => {
  const meshes: Mesh[] = [];
  afterEach(async () => {
    await Promise.all(meshes.splice(0).map((m) => m.close()));
  });

  async function twoProcesses() {
    const transport = new InMemoryTransport({ serialize: true });
    const client = createMesh({ transport, closeTransport: false });
    const server = createMesh({ transport, closeTransport: false });
    meshes.push(client, server);
    const clientSide = new RequestReplyProtocol(client);
    const serverSide = new RequestReplyProtocol(server);
    const worker = new Worker({ name: 'remote-worker' });
    await client.register(new Worker({ name: 'client' }));
    await server.register(worker);
    return { clientSide, serverSide, worker };
  }

  it('serves typed requests, validates on both sides, and keeps error codes', async () => {
    const { clientSide, serverSide, worker } = await twoProcesses();
    serverSide.handleRequest(worker, Summarize, (input, ctx) => {
      ctx.reportProgress({ reading: input.text.length });
      return { summary: input.text.toUpperCase(), words: input.maxWords };
    });
    const progress: JsonValue[] = [];
    await expect(clientSide.sendRequest('client', 'remote-worker', Summarize, { text: 'far' }, { onProgress: (p) => progress.push(p) })).resolves.toEqual({ summary: 'FAR', words: 50 });
    expect(progress).toEqual([{ reading: 3 }]);
    await expect(clientSide.sendRequest('client', 'remote-worker', Translate, { text: 'x', to: 'fr' })).rejects.toMatchObject({ code: 'NO_HANDLER', details: { served: ['summarize'] } });
    await expect(clientSide.sendRequest('client', 'remote-worker', 'summarize', { text: 1 })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });

  it('routes a deferred answer and its progress back to the requesting process', async () => {
    const { clientSide, serverSide, worker } = await twoProcesses();
    serverSide.handleRequest(worker, Summarize, (input, _ctx, request) => {
      const reply = request.defer();
      void (async () => {
        await reply.progress('halfway');
        await reply.resolve({ summary: `${input.text} (async)`, words: 2 });
      })();
      return reply;
    });
    const progress: JsonValue[] = [];
    await expect(clientSide.sendRequest('client', 'remote-worker', Summarize, { text: 'job' }, { onProgress: (p) => progress.push(p) })).resolves.toEqual({
      summary: 'job (async)',
      words: 2,
    });
    expect(progress).toEqual(['halfway']);
    expect(clientSide.pendingCount).toBe(0);
  });
});
