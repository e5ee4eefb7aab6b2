import { MeshError, defineAgent, type Mesh, type Message, type RequestContext } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { meshScope } from '../../test/meshes.js';
import { settle } from '../../test/support.js';
import { BatchingAgent, type ProcessBatch } from './batching-agent.js';
import type { BatchReplies } from './replies.js';

const newMesh = meshScope();

async function meshWith(agent: BatchingAgent, defaultTimeoutMs?: number): Promise<Mesh> {
  const mesh = newMesh(defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs });
  await mesh.register(agent);
  return mesh;
}

/** A BatchingAgent that records each batch's message contents. */
function recordingAgent(processBatch: ProcessBatch, options: { maxWaitMs?: number; maxBatchSize?: number } = {}) {
  const batches: unknown[][] = [];
  const agent = new BatchingAgent({
    name: 'batcher',
    ...options,
    processBatch(messages, ctx, contexts) {
      batches.push(messages.map((m) => m.content));
      return processBatch.call(this, messages, ctx, contexts);
    },
  });
  return { agent, batches };
}

describe('BatchingAgent: many messages in, one combined call, each caller its own reply', () => {
  it('answers each caller by position', async () => {
    const { agent, batches } = recordingAgent(async (messages) => messages.map((m) => `echo ${m.content as string}`));
    const mesh = await meshWith(agent);
    const replies = await Promise.all(['a', 'b', 'c'].map((c) => mesh.invoke('batcher', c)));
    expect(replies.map((r) => r.content)).toEqual(['echo a', 'echo b', 'echo c']);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('answers each caller by message id when processBatch returns a Map; a missing id fails that caller alone', async () => {
    const { agent } = recordingAgent((messages) => {
      const byId = new Map<string, string | Message>();
      for (const m of [...messages].reverse()) if (m.content !== 'skip') byId.set(m.id, { id: `r-${m.id}`, role: 'assistant', content: `re ${m.content as string}`, metadata: { inReplyTo: m.id } });
      return byId;
    });
    const mesh = await meshWith(agent);
    const outcomes = await Promise.allSettled(['x', 'skip', 'y'].map((c) => mesh.invoke('batcher', { id: `m-${c}`, content: c })));
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { content: 're x', metadata: { inReplyTo: 'm-x' } } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'HANDLER_ERROR', message: 'agent "batcher" gave no reply for message "m-skip" in its batch' } });
    expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { content: 're y' } });
  });

  it('fails only the caller whose reply is an Error, keeping the error name and message; a MeshError keeps its code', async () => {
    const { agent } = recordingAgent((messages) =>
      messages.map((m) => {
        if (m.content === 'bad') return new RangeError('out of range');
        if (m.content === 'denied') return new MeshError('ACCESS_DENIED', 'not you');
        return { ok: m.content };
      }),
    );
    const mesh = await meshWith(agent);
    const outcomes = await Promise.allSettled(['good', 'bad', 'denied'].map((c) => mesh.invoke('batcher', c)));
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { content: { ok: 'good' } } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: 'HANDLER_ERROR', remote: { name: 'RangeError', message: 'out of range' } } });
    expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: { code: 'ACCESS_DENIED' } });
  });

  it('fails the callers of a batch whose processBatch throws, and serves the next batch', async () => {
    let calls = 0;
    const { agent } = recordingAgent((messages) => {
      if (++calls === 1) throw new Error('database down');
      return messages.map(() => 'fine');
    });
    const mesh = await meshWith(agent);
    const first = await Promise.allSettled([mesh.invoke('batcher', '1'), mesh.invoke('batcher', '2')]);
    for (const outcome of first) expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'HANDLER_ERROR', remote: { message: 'database down' } } });
    await expect(mesh.invoke('batcher', '3')).resolves.toMatchObject({ content: 'fine' });
  });

  it('fails every caller of a batch whose reply array has the wrong length', async () => {
    const { agent } = recordingAgent(() => ['only one']);
    const mesh = await meshWith(agent);
    const outcomes = await Promise.allSettled([mesh.invoke('batcher', '1'), mesh.invoke('batcher', '2')]);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'HANDLER_ERROR' } });
  });

  it('works as a subclass overriding processBatch, and refuses to be built with no batch handler at all', async () => {
    class Upper extends BatchingAgent {
      override processBatch(messages: readonly Message[]): BatchReplies {
        return messages.map((m) => (m.content as string).toUpperCase());
      }
    }
    const mesh = await meshWith(new Upper({ name: 'upper' }));
    await expect(mesh.invoke('upper', 'hi')).resolves.toMatchObject({ content: 'HI' });
    expect(() => new BatchingAgent({ name: 'empty' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('BatchingAgent: contexts', () => {
  it("runs a batch under a context with the first caller's trace, the deepest depth and the latest deadline", async () => {
    vi.useFakeTimers();
    let seen: { ctx: RequestContext; contexts: readonly RequestContext[] } | undefined;
    const { agent } = recordingAgent(
      (messages, ctx, contexts) => {
        seen = { ctx, contexts };
        return messages.map(() => null);
      },
      { maxWaitMs: 10 },
    );
    const mesh = await meshWith(agent);
    const now = Date.now();
    const calls = [mesh.invoke('batcher', 'a', { timeoutMs: 1_000 }), mesh.invoke('batcher', 'b', { timeoutMs: 5_000 })];
    await vi.advanceTimersByTimeAsync(10);
    await Promise.all(calls);
    const { ctx, contexts } = seen!;
    expect(contexts).toHaveLength(2);
    expect(ctx.traceId).toBe(contexts[0]!.traceId);
    expect(ctx.deadline).toBe(now + 5_000);
    expect(ctx.depth).toBe(1);
    expect(ctx.agentName).toBe('batcher');
    expect(ctx.signal.aborted).toBe(false);
    for (const caller of contexts) expect(caller.cancellation.listenerCount).toBe(0);
  });

  it('lets processBatch call peers with the batch context', async () => {
    const mesh = newMesh();
    await mesh.register(defineAgent({ name: 'store', handle: (m) => ({ stored: (m.content as unknown[]).length }) }));
    const agent = new BatchingAgent({
      name: 'writer',
      async processBatch(messages, ctx) {
        const reply = await this.invoke('store', { content: messages.map((m) => m.content) }, { context: ctx });
        return messages.map(() => reply.content);
      },
    });
    await mesh.register(agent);
    const replies = await Promise.all([mesh.invoke('writer', 'a'), mesh.invoke('writer', 'b')]);
    expect(replies.map((r) => r.content)).toEqual([{ stored: 2 }, { stored: 2 }]);
  });

  it('drops the message of a caller whose call times out before its batch is sent', async () => {
    vi.useFakeTimers();
    const { agent, batches } = recordingAgent(async (messages) => messages.map((m) => m.content), { maxWaitMs: 500 });
    const mesh = await meshWith(agent);
    const early = mesh.invoke('batcher', 'impatient', { timeoutMs: 100 }).catch((e: unknown) => e);
    const patient = mesh.invoke('batcher', 'patient', { timeoutMs: 10_000 });
    await vi.advanceTimersByTimeAsync(100);
    expect(await early).toMatchObject({ code: 'TIMEOUT' });
    await vi.advanceTimersByTimeAsync(400);
    await expect(patient).resolves.toMatchObject({ content: 'patient' });
    expect(batches).toEqual([['patient']]);
    expect(agent.batchStats()).toMatchObject({ waiting: 0, itemsSent: 1 });
  });
});

describe('BatchingAgent: closing flushes', () => {
  it('close() sends what is queued at once and then refuses new messages', async () => {
    vi.useFakeTimers();
    const { agent, batches } = recordingAgent((messages) => messages.map((m) => m.content), { maxWaitMs: 60_000 });
    const mesh = await meshWith(agent);
    const queued = mesh.invoke('batcher', 'queued');
    await settle();
    await agent.close();
    expect(batches).toEqual([['queued']]);
    await expect(queued).resolves.toMatchObject({ content: 'queued' });
    await expect(mesh.invoke('batcher', 'late')).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('mesh.close() drains calls waiting in a batch window and closes the agent', async () => {
    vi.useFakeTimers();
    const { agent, batches } = recordingAgent((messages) => messages.map((m) => m.content), { maxWaitMs: 200 });
    // No default timeout: the mesh arms no deadline timer, so any timer left would be the agent's.
    const mesh = await meshWith(agent, Infinity);
    const pending = mesh.invoke('batcher', 'in window');
    await settle();
    const closing = mesh.close();
    await vi.advanceTimersByTimeAsync(200);
    await closing;
    await expect(pending).resolves.toMatchObject({ content: 'in window' });
    expect(batches).toEqual([['in window']]);
    expect(agent.batchStats().closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
