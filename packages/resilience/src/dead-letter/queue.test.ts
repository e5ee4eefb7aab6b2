import { createMessage, defineAgent, MeshError } from '@agentmesh/core';
import { describe, expect, it, vi } from 'vitest';
import { Flaky, meshWith, rejectionOf } from '../../test/helpers.js';
import { record } from '../../test/store-contract.js';
import { retry } from '../retry/retry.js';
import { MemoryDeadLetterStore } from './memory-store.js';
import { deadLetter } from './middleware.js';
import { DeadLetterQueue } from './queue.js';
import type { DeadLetterRecord, DeadLetterStore } from './store.js';

const constant = { kind: 'constant', delayMs: 100 } as const;

async function setup(handle: () => unknown, options: Partial<ConstructorParameters<typeof DeadLetterQueue>[0]> = {}) {
  let calls = 0;
  const mesh = await meshWith({}, { name: 'billing', handle: () => (calls++, handle()) as never });
  const store = new MemoryDeadLetterStore();
  const dlq = new DeadLetterQueue({ store, mesh, backoff: constant, ...options });
  return { mesh, store, dlq, calls: () => calls };
}

describe('DeadLetterQueue.processWithDlq', () => {
  it('resolves the reply when delivery succeeds, leaving the queue empty', async () => {
    const { dlq } = await setup(() => 'paid');
    await expect(dlq.processWithDlq('billing', 'invoice 7')).resolves.toMatchObject({ content: 'paid' });
    expect(await dlq.size()).toBe(0);
  });

  it('retries retryable failures with backoff, then dead-letters with the full record', async () => {
    vi.useFakeTimers({ now: 50_000 });
    const { dlq, calls } = await setup(() => Promise.reject(new Flaky('ledger busy')));
    const message = createMessage({ content: { invoice: 7 }, metadata: { type: 'billing' } });
    const outcome = rejectionOf(dlq.processWithDlq('billing', message, undefined, { maxRetries: 2, from: 'desk' }));
    await vi.advanceTimersByTimeAsync(200);
    const error = await outcome;
    expect(calls()).toBe(3);
    expect(error).toMatchObject({ code: 'HANDLER_ERROR', retryable: false, remote: { name: 'Flaky' } });
    const id = error.details!['deadLetterId'] as string;
    const stored = await dlq.get(id);
    expect(stored).toMatchObject({ target: 'billing', from: 'desk', attempts: 3, firstFailedAt: 50_000, lastFailedAt: 50_200, error: { name: 'Flaky', code: 'HANDLER_ERROR' } });
    expect(stored!.message).toEqual(message);
  });

  it('regression: a programming error goes straight to the queue, without backoff', async () => {
    vi.useFakeTimers();
    const { dlq, calls } = await setup(() => {
      throw new TypeError('x.total is not a function');
    });
    const started = Date.now();
    const error = await rejectionOf(dlq.processWithDlq('billing', 'x', undefined, { maxRetries: 5 }));
    expect(calls()).toBe(1);
    expect(Date.now()).toBe(started);
    expect((await dlq.list())[0]).toMatchObject({ attempts: 1, error: { name: 'TypeError' } });
    expect(error.details?.['deadLetterId']).toBeDefined();
  });

  it('regression: maxRetries 0 is one attempt, then a dead letter, never a silent drop', async () => {
    const { dlq, calls } = await setup(() => Promise.reject(new Flaky('down')));
    const error = await rejectionOf(dlq.processWithDlq('billing', 'x', undefined, { maxRetries: 0 }));
    expect(calls()).toBe(1);
    expect(await dlq.size()).toBe(1);
    expect(MeshError.is(error, 'HANDLER_ERROR')).toBe(true);
  });

  it('inherits the caller context and keeps its request and trace ids; a cancellation is not dead-lettered', async () => {
    const store = new MemoryDeadLetterStore();
    const queue: { dlq?: DeadLetterQueue } = {};
    const mesh = await meshWith(
      {},
      { name: 'billing', handle: () => Promise.reject(new Flaky('down')) },
      { name: 'desk', handle: (m, ctx) => queue.dlq!.processWithDlq('billing', m, ctx, { maxRetries: 0 }) },
    );
    const dlq = (queue.dlq = new DeadLetterQueue({ store, mesh }));
    await expect(mesh.invoke('desk', 'x')).rejects.toMatchObject({ code: 'HANDLER_ERROR' });
    const [stored] = await dlq.list();
    expect(stored).toMatchObject({ from: 'desk', target: 'billing' });
    expect(stored!.traceId).toBeDefined();
    expect(stored!.requestId).toBeDefined();
    const controller = new AbortController();
    controller.abort();
    await expect(dlq.processWithDlq('billing', 'y', undefined, { signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await dlq.size()).toBe(1);
  });

  it('takes an Agent registered with a mesh, and refuses targets it cannot reach', async () => {
    const mesh = await meshWith({});
    const agent = defineAgent({ name: 'solo', handle: () => 'hi' });
    await mesh.register(agent);
    const dlq = new DeadLetterQueue({ store: new MemoryDeadLetterStore() });
    await expect(dlq.processWithDlq(agent, 'x')).resolves.toMatchObject({ content: 'hi' });
    await expect(dlq.processWithDlq('solo', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(dlq.processWithDlq(defineAgent({ name: 'loose', handle: () => 1 }), 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(dlq.processWithDlq(agent, 'x', undefined, { maxRetries: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => new DeadLetterQueue({ store: {} as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('when the store fails, rejects with the original error saying so (nothing is lost silently)', async () => {
    const store = new MemoryDeadLetterStore();
    const broken: DeadLetterStore = Object.assign(Object.create(store) as DeadLetterStore, { put: () => Promise.reject(new Error('disk full')) });
    const { dlq } = await setup(() => Promise.reject(new Flaky('down')), { store: broken });
    const error = await rejectionOf(dlq.processWithDlq('billing', 'x', undefined, { maxRetries: 0 }));
    expect(error).toMatchObject({ code: 'HANDLER_ERROR', retryable: true, details: { deadLetterFailed: 'disk full' } });
  });

  it('a shouldDeadLetter that throws keeps the message (dead-lettered), and the caller gets the original error', async () => {
    const warned = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { dlq } = await setup(() => Promise.reject(new Flaky('down')), {
      shouldDeadLetter: () => {
        throw new Error('bad predicate');
      },
    });
    const error = await rejectionOf(dlq.processWithDlq('billing', 'x', undefined, { maxRetries: 0 }));
    expect(error).toMatchObject({ code: 'HANDLER_ERROR', remote: { name: 'Flaky' } });
    expect(await dlq.size()).toBe(1);
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('shouldDeadLetter threw'), 'ResilienceCallbackWarning');
    warned.mockRestore();
  });

  it('tells onDeadLetter about every stored record', async () => {
    const seen: DeadLetterRecord[] = [];
    const { dlq } = await setup(() => Promise.reject(new Flaky('down')), { onDeadLetter: (r) => seen.push(r) });
    await dlq.processWithDlq('billing', 'x', undefined, { maxRetries: 0 }).catch(() => undefined);
    expect(seen).toHaveLength(1);
    expect(await dlq.get(seen[0]!.id)).toEqual(seen[0]);
  });
});

describe('DeadLetterQueue.replay', () => {
  it('re-delivers, removes what succeeds, keeps and updates what fails', async () => {
    vi.useFakeTimers({ now: 10_000 });
    let healthy = false;
    const mesh = await meshWith({}, { name: 'billing', handle: (m) => (healthy ? m.content : Promise.reject(new Flaky('still down'))) }, { name: 'pager', handle: () => Promise.reject(new Flaky('pager down')) });
    const store = new MemoryDeadLetterStore();
    const dlq = new DeadLetterQueue({ store, mesh });
    await store.put(record('a', { target: 'billing' }));
    await store.put(record('b', { target: 'pager' }));
    vi.setSystemTime(20_000);
    healthy = true;
    const result = await dlq.replay({});
    expect(result.succeeded).toEqual(['a']);
    expect(result.failed).toEqual([{ id: 'b', error: { name: 'Flaky', code: 'HANDLER_ERROR', message: expect.stringContaining('pager down') as string } }]);
    expect(await dlq.list()).toMatchObject([{ id: 'b', attempts: 2, firstFailedAt: 1_000, lastFailedAt: 20_000, error: { name: 'Flaky' } }]);
    expect(await dlq.replay('a')).toEqual({ succeeded: [], failed: [], skipped: ['a'] });
    expect(await dlq.replay({ target: 'billing' })).toEqual({ succeeded: [], failed: [], skipped: [] });
  });

  it('stops on cancellation, leaving the records as they were', async () => {
    const mesh = await meshWith({}, { name: 'billing', handle: () => 'ok' });
    const store = new MemoryDeadLetterStore();
    const dlq = new DeadLetterQueue({ store, mesh });
    await store.put(record('a'));
    const result = await dlq.replay('a', { signal: AbortSignal.abort() });
    expect(result.skipped).toEqual(['a']);
    expect(await dlq.get('a')).toEqual(record('a'));
    await expect(new DeadLetterQueue({ store }).replay('a')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('regression: concurrent replays deliver a record once and never bring a delivered one back', async () => {
    const delivered: string[] = [];
    let releaseSlow!: () => void;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    const mesh = await meshWith({}, { name: 'billing', handle: async (m) => (delivered.push(m.content as string), m.content === 'a' ? slow.then(() => 'ok') : 'ok') });
    const store = new MemoryDeadLetterStore();
    const dlq = new DeadLetterQueue({ store, mesh });
    await store.put({ ...record('a', { target: 'billing' }), message: createMessage('a') });
    await store.put({ ...record('b', { target: 'billing' }), message: createMessage('b') });
    const all = dlq.replay({});
    await vi.waitFor(() => expect(delivered).toEqual(['a']));
    const justB = await dlq.replay('b');
    expect(justB.succeeded).toEqual(['b']);
    releaseSlow();
    const first = await all;
    expect(first.succeeded).toEqual(['a']);
    expect(first.skipped).toEqual(['b']);
    expect(delivered).toEqual(['a', 'b']);
    expect(await dlq.size()).toBe(0);
  });

  it('regression: a record purged while its redelivery fails stays gone', async () => {
    let failNow!: () => void;
    const failing = new Promise<void>((resolve) => (failNow = resolve));
    const mesh = await meshWith({}, { name: 'billing', handle: () => failing.then(() => Promise.reject(new Flaky('down'))) });
    const store = new MemoryDeadLetterStore();
    const dlq = new DeadLetterQueue({ store, mesh });
    await store.put(record('a', { target: 'billing' }));
    const replay = dlq.replay('a');
    await vi.waitFor(async () => expect(await dlq.purge()).toBe(1));
    failNow();
    expect((await replay).failed).toMatchObject([{ id: 'a', error: { code: 'HANDLER_ERROR' } }]);
    expect(await dlq.size()).toBe(0);
  });

  it('a store failing on one record fails that record only; the replay goes on', async () => {
    const mesh = await meshWith({}, { name: 'billing', handle: () => 'ok' });
    const store = new MemoryDeadLetterStore();
    await store.put(record('a', { target: 'billing' }));
    await store.put(record('b', { target: 'billing' }));
    const flaky: DeadLetterStore = {
      put: (r) => store.put(r),
      get: (id) => store.get(id),
      list: (filter) => store.list(filter),
      remove: (id) => (id === 'a' ? Promise.reject(new Error('disk full')) : store.remove(id)),
      purge: () => store.purge(),
      size: () => store.size(),
      close: () => store.close(),
    };
    const result = await new DeadLetterQueue({ store: flaky, mesh }).replay({});
    expect(result.succeeded).toEqual(['b']);
    expect(result.failed).toMatchObject([{ id: 'a', error: { message: 'disk full' } }]);
  });

  it("skips an event's dead letter: it is republished, never sent to an agent", async () => {
    let calls = 0;
    const mesh = await meshWith({}, { name: 'orders', handle: () => (calls++, 'ok') });
    const store = new MemoryDeadLetterStore();
    await store.put(record('e', { target: 'event:orders' }));
    const result = await new DeadLetterQueue({ store, mesh }).replay({});
    expect(result).toEqual({ succeeded: [], failed: [], skipped: ['e'] });
    expect(calls).toBe(0);
    expect(await store.size()).toBe(1);
  });

  it('remove and purge go to the store', async () => {
    const store = new MemoryDeadLetterStore();
    const dlq = new DeadLetterQueue({ store });
    await store.put(record('a'));
    await store.put(record('b'));
    expect(await dlq.remove('a')).toBe(true);
    expect(await dlq.purge()).toBe(1);
  });
});

describe('deadLetter() middleware', () => {
  it('dead-letters calls that finally fail (after the inner retry) and the caller gets the typed error', async () => {
    let calls = 0;
    const mesh = await meshWith({}, { name: 'billing', handle: () => (calls++, Promise.reject(new Flaky('down'))) }, { name: 'ok', handle: () => 'fine' });
    const dlq = new DeadLetterQueue({ store: new MemoryDeadLetterStore(), mesh });
    mesh.use(deadLetter(dlq)).use(retry({ maxAttempts: 3, backoff: { kind: 'constant', delayMs: 0 } }));
    const error = await rejectionOf(mesh.invoke('billing', 'x', { from: 'desk' }));
    expect(calls).toBe(3);
    expect(error).toMatchObject({ code: 'HANDLER_ERROR', retryable: false });
    expect(await dlq.list()).toMatchObject([{ id: error.details!['deadLetterId'], target: 'billing', from: 'desk', attempts: 3 }]);
    await expect(mesh.invoke('ok', 'x')).resolves.toMatchObject({ content: 'fine' });
    expect(await dlq.size()).toBe(1);
  });

  it('does not store twice what processWithDlq or replay is already handling', async () => {
    const mesh = await meshWith({}, { name: 'billing', handle: () => Promise.reject(new Flaky('down')) });
    const dlq = new DeadLetterQueue({ store: new MemoryDeadLetterStore(), mesh });
    mesh.use(deadLetter(dlq));
    await dlq.processWithDlq('billing', 'x', undefined, { maxRetries: 0 }).catch(() => undefined);
    expect(await dlq.size()).toBe(1);
    const [first] = await dlq.list();
    await dlq.replay(first!.id);
    expect(await dlq.list()).toMatchObject([{ id: first!.id, attempts: 2 }]);
  });

  it('stores a call the mesh abandons at its deadline, even though the callee never answers', async () => {
    vi.useFakeTimers();
    const mesh = await meshWith({}, { name: 'hang', handle: () => new Promise(() => undefined) });
    const dlq = new DeadLetterQueue({ store: new MemoryDeadLetterStore(), mesh });
    mesh.use(deadLetter(dlq));
    const error = rejectionOf(mesh.invoke('hang', 'x', { timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(100);
    expect((await error).code).toBe('TIMEOUT');
    await vi.advanceTimersByTimeAsync(0);
    expect(await dlq.list()).toMatchObject([{ target: 'hang', error: { code: 'TIMEOUT' } }]);
    const controller = new AbortController();
    const cancelled = rejectionOf(mesh.invoke('hang', 'y', { signal: controller.signal }));
    controller.abort();
    expect((await cancelled).code).toBe('CANCELLED');
    expect(await dlq.size()).toBe(1);
  });
});
