import { createMessage, defineAgent, type MeshError } from '@agentmesh/core';
import { DeadLetterQueue, type DeadLetterRecord } from '@agentmesh/resilience';
import { jetstream } from '@nats-io/jetstream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { JetStreamDeadLetterStore } from '../src/index.js';
import { describeWithNats, NATS_URL } from './support/nats.js';
import { useWorld, type TestWorld } from './support/world.js';

function record(id: string, overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  return {
    id,
    message: createMessage({ content: { id }, metadata: { type: 'invoice' } }),
    target: 'billing',
    from: 'shop',
    error: { name: 'MeshError', code: 'HANDLER_ERROR', message: 'ledger locked' },
    attempts: 3,
    firstFailedAt: 1_000,
    lastFailedAt: 2_000,
    requestId: `req-${id}`,
    traceId: `trace-${id}`,
    ...overrides,
  };
}

describeWithNats('JetStreamDeadLetterStore', () => {
  const current = useWorld();
  let world: TestWorld;
  let store: JetStreamDeadLetterStore;
  beforeEach(async () => {
    world = current();
    store = new JetStreamDeadLetterStore({ connection: await world.raw(), prefix: world.prefix });
  });
  afterEach(async () => {
    await store.close();
  });

  it('round-trips records with every field, upserts by id, filters and orders oldest first', async () => {
    const a = record('a/1 with spaces.and.dots', { firstFailedAt: 3_000, lastFailedAt: 3_000 });
    const b = record('b', { target: 'ledger', error: { name: 'MeshError', code: 'TIMEOUT', message: 'slow' }, firstFailedAt: 1_000, lastFailedAt: 5_000 });
    const c = record('c', { firstFailedAt: 2_000, lastFailedAt: 2_500 });
    for (const r of [a, b, c]) await store.put(r);
    expect(await store.get(a.id)).toEqual(a);
    expect(await store.get('missing')).toBeUndefined();
    expect(await store.size()).toBe(3);
    expect((await store.list()).map((r) => r.id)).toEqual(['b', 'c', a.id]);
    expect((await store.list({ target: 'billing' })).map((r) => r.id)).toEqual(['c', a.id]);
    expect((await store.list({ code: 'TIMEOUT' })).map((r) => r.id)).toEqual(['b']);
    expect((await store.list({ since: 3_000 })).map((r) => r.id)).toEqual(['b', a.id]);
    expect((await store.list({ until: 3_000 })).map((r) => r.id)).toEqual(['c']);
    expect((await store.list({ limit: 2 })).map((r) => r.id)).toEqual(['b', 'c']);
    expect(await store.list({ limit: 0 })).toEqual([]);
    const retried = { ...c, attempts: 4, lastFailedAt: 9_000 };
    await store.put(retried);
    expect(await store.size()).toBe(3);
    expect(await store.get('c')).toEqual(retried);
    expect(await store.remove('c')).toBe(true);
    expect(await store.remove('c')).toBe(false);
    expect(await store.size()).toBe(2);
    expect(await store.purge()).toBe(2);
    expect(await store.size()).toBe(0);
    expect(await store.list()).toEqual([]);
  });

  it('survives a new store instance on another connection (durable once put resolved)', async () => {
    const kept = record('kept');
    await store.put(kept);
    const other = new JetStreamDeadLetterStore({ servers: NATS_URL, prefix: world.prefix });
    expect(await other.get('kept')).toEqual(kept);
    await other.close();
    await expect(other.size()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('refuses invalid records and invalid filters, and skips corrupt stored ones', async () => {
    await expect(store.put({ ...record('x'), message: { id: '', role: 'user' } } as unknown as DeadLetterRecord)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.put({ ...record('x'), attempts: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.list({ limit: 'ten' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await store.put(record('good'));
    await jetstream(await world.raw()).publish(`${world.prefix}.dlq.corrupt`, '{"id": "corrupt"');
    expect((await store.list()).map((r) => r.id)).toEqual(['good']);
    expect(await store.size()).toBe(2);
  });

  it('rejects with CLOSED after close, and leaves a given connection open', async () => {
    const raw = await world.raw();
    const own = new JetStreamDeadLetterStore({ connection: raw, prefix: world.prefix });
    await own.put(record('one'));
    await own.close();
    await expect(own.put(record('two'))).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(own.list()).rejects.toMatchObject({ code: 'CLOSED' });
    expect(raw.isClosed()).toBe(false);
  });

  it("backs @agentmesh/resilience's DeadLetterQueue across NATS: dead-letter a remote failure, replay it", async () => {
    const caller = await world.mesh();
    const server = await world.mesh();
    let healthy = false;
    await server.register(defineAgent({ name: 'ledger', handle: (m) => (healthy ? { booked: m.content } : Promise.reject(new Error('ledger locked'))) }));
    const dlq = new DeadLetterQueue({ store, mesh: caller });
    const error = await dlq.processWithDlq('ledger', createMessage({ content: 42, metadata: { type: 'booking' } }), undefined, { maxRetries: 0 }).catch((e: unknown) => e as MeshError);
    expect(error).toMatchObject({ code: 'HANDLER_ERROR', retryable: false });
    const id = (error as MeshError).details?.['deadLetterId'] as string;
    expect(await store.get(id)).toMatchObject({ target: 'ledger', attempts: 1, message: { content: 42, metadata: { type: 'booking' } }, error: { message: expect.stringContaining('ledger locked') } });
    healthy = true;
    expect(await dlq.replay(id)).toMatchObject({ succeeded: [id], failed: [], skipped: [] });
    expect(await store.size()).toBe(0);
  });
});
