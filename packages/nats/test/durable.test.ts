import { createMessage, type Message } from '@agentmesh/core';
import { jetstreamManager } from '@nats-io/jetstream';
import { beforeEach, expect, it } from 'vitest';
import { JetStreamDeadLetterStore, Subjects, type DurableOptions } from '../src/index.js';
import { FlakyDeadLetterStore } from './support/memory-store.js';
import { describeWithNats } from './support/nats.js';
import { useWorld, until, type TestWorld } from './support/world.js';

const fast: DurableOptions = { maxDeliver: 3, backoffMs: 20, maxBackoffMs: 100, ackWaitMs: 5_000 };

describeWithNats('durable subscriptions over JetStream', () => {
  const current = useWorld();
  let world: TestWorld;
  beforeEach(() => {
    world = current();
  });

  async function consumerState(durable: string): Promise<{ ackPending: number; pending: number }> {
    const jsm = await jetstreamManager(await world.raw());
    const info = await jsm.consumers.info(new Subjects(world.prefix).eventStream, durable);
    return { ackPending: info.num_ack_pending, pending: info.num_pending };
  }

  it('redelivers after a failing handler and acknowledges once it succeeds', async () => {
    const store = new FlakyDeadLetterStore();
    const mesh = await world.mesh({ transport: { durable: { ...fast, deadLetterStore: store } } });
    const attempts: Message[] = [];
    const sub = mesh.subscribe(
      'orders.created',
      (m) => {
        attempts.push(m);
        if (attempts.length < 3) throw new Error(`flaky ${attempts.length}`);
      },
      { durable: 'billing' },
    );
    await sub.ready;
    const sent = createMessage({ content: { order: 42 }, metadata: { type: 'order' } });
    await mesh.publish('orders.created', sent, { from: 'shop' });
    await until(() => attempts.length === 3);
    expect(attempts.map((m) => m.id)).toEqual([sent.id, sent.id, sent.id]);
    expect(attempts[2]!.metadata).toEqual({ type: 'order' });
    await until(() => mesh.stats().events.pending === 0);
    expect(await consumerState('billing')).toEqual({ ackPending: 0, pending: 0 });
    expect(await store.size()).toBe(0);
  });

  it('dead-letters after maxDeliver attempts, with the error, attempts and topic', async () => {
    const store = new FlakyDeadLetterStore();
    const mesh = await world.mesh({ transport: { durable: { ...fast, deadLetterStore: store } } });
    let calls = 0;
    const sub = mesh.subscribe(
      'payments.>',
      () => {
        calls++;
        return Promise.reject(Object.assign(new Error('ledger locked'), { code: 'E_LOCK' }));
      },
      { durable: 'ledger' },
    );
    await sub.ready;
    const sent = createMessage({ content: 'pay', metadata: { amount: 5 } });
    await mesh.publish('payments.eu', sent, { from: 'till' });
    await until(async () => (await store.size()) === 1);
    const [record] = await store.list();
    expect(record).toMatchObject({ target: 'event:payments.eu', from: 'till', attempts: 3, message: sent, error: { code: 'E_LOCK', name: 'Error' } });
    expect(record!.error.message).toContain('ledger locked');
    expect(record!.firstFailedAt).toBeLessThanOrEqual(record!.lastFailedAt);
    expect(calls).toBe(3);
    await until(async () => (await consumerState('ledger')).ackPending === 0);
  });

  it('keeps retrying the dead-lettering when the store fails: nothing is dropped', async () => {
    const store = new FlakyDeadLetterStore();
    store.failPuts = 2;
    const mesh = await world.mesh({ transport: { durable: { ...fast, maxDeliver: 1, deadLetterStore: store } } });
    const sub = mesh.subscribe('jobs', () => Promise.reject(new Error('no')), { durable: 'jobs' });
    await sub.ready;
    await mesh.publish('jobs', 'job-1');
    await until(async () => (await store.size()) === 1);
    expect(store.putCalls).toBe(3);
    expect((await store.list())[0]!.message.content).toBe('job-1');
  });

  it('regression: keeps a truncated record of an event too large for the store, or terminates it, never redelivering for ever', async () => {
    const store = new FlakyDeadLetterStore();
    store.maxRecordBytes = 7_000; // the 10 kB event does not fit; its first 4 kB (in base64) do
    const mesh = await world.mesh({ transport: { durable: { ...fast, maxDeliver: 1, deadLetterStore: store } } });
    const sub = mesh.subscribe('bulk', () => Promise.reject(new Error('no')), { durable: 'bulk' });
    await sub.ready;
    await mesh.publish('bulk', 'x'.repeat(10_000));
    await until(async () => (await store.size()) === 1);
    const [record] = await store.list();
    expect(record).toMatchObject({ target: 'event:bulk', message: { role: 'system', metadata: { truncated: true, encoding: 'base64' } } });
    await until(async () => (await consumerState('bulk')).ackPending === 0);
    // Not even a truncated record fits: the event is terminated (logged), not redelivered for ever.
    store.maxRecordBytes = 10;
    await mesh.publish('bulk', 'y'.repeat(10_000));
    await until(() => store.putCalls === 4); // the full record, then the truncated one: both refused
    await until(async () => (await consumerState('bulk')).ackPending === 0);
    await new Promise((r) => setTimeout(r, 300)); // and it is not redelivered
    expect(store.putCalls).toBe(4);
    expect(await store.size()).toBe(1);
    expect(await consumerState('bulk')).toEqual({ ackPending: 0, pending: 0 });
  });

  it('regression: a subscriber joining with another ackWaitMs brings the consumer up to date', async () => {
    const first = await world.mesh({ transport: { durable: { ...fast, ackWaitMs: 1_000 } } });
    await first.subscribe('slow', () => undefined, { durable: 'slow' }).ready;
    const jsm = await jetstreamManager(await world.raw());
    const stream = new Subjects(world.prefix).eventStream;
    expect((await jsm.consumers.info(stream, 'slow')).config.ack_wait).toBe(1_000 * 1_000_000);
    const second = await world.mesh({ transport: { durable: { ...fast, ackWaitMs: 30_000, maxAckPending: 7 } } });
    await second.subscribe('slow', () => undefined, { durable: 'slow' }).ready;
    const info = await jsm.consumers.info(stream, 'slow');
    expect(info.config.ack_wait).toBe(30_000 * 1_000_000);
    expect(info.config.max_ack_pending).toBe(7);
  });

  it('dead-letters to the JetStream store under the prefix by default, and malformed events too', async () => {
    const mesh = await world.mesh({ transport: { durable: { ...fast, maxDeliver: 2 } } });
    const sub = mesh.subscribe('alerts.*', () => Promise.reject(new Error('pager down')), { durable: 'pager' });
    await sub.ready;
    await mesh.publish('alerts.disk', 'disk full');
    const raw = await world.raw();
    raw.publish(`${world.prefix}.event.alerts.garbage`, new Uint8Array([0xff, 0x00, 0x7b]));
    const store = new JetStreamDeadLetterStore({ connection: raw, prefix: world.prefix });
    let records: Awaited<ReturnType<typeof store.list>> = [];
    for (let i = 0; i < 100 && records.length < 2; i++) {
      records = await store.list();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(records.map((r) => r.target).sort()).toEqual(['event:alerts.disk', 'event:alerts.garbage']);
    const garbage = records.find((r) => r.target === 'event:alerts.garbage')!;
    expect(garbage).toMatchObject({ attempts: 1, error: { code: 'INVALID_MESSAGE' }, message: { role: 'system', metadata: { encoding: 'base64' } } });
    expect(Buffer.from(garbage.message.content as string, 'base64')).toEqual(Buffer.from([0xff, 0x00, 0x7b]));
    expect(records.find((r) => r.target === 'event:alerts.disk')).toMatchObject({ attempts: 2, message: { content: 'disk full' } });
    await store.close();
    expect(raw.isClosed()).toBe(false);
  });

  it('keeps events for an offline durable subscriber and shares them between its members', async () => {
    const mesh = await world.mesh({ transport: { durable: fast } });
    const first = mesh.subscribe('news', () => undefined, { durable: 'reader' });
    await first.ready;
    await first.unsubscribe();
    for (let i = 0; i < 20; i++) await mesh.publish('news', `story ${i}`);
    const got: [number, unknown][] = [];
    const members = [0, 1].map((i) => mesh.subscribe('news', (m) => void got.push([i, m.content]), { durable: 'reader' }));
    await Promise.all(members.map((m) => m.ready));
    await until(() => got.length === 20);
    expect(got.map(([, c]) => c).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `story ${i}`).sort());
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toHaveLength(20);
  });

  it('retries a handler that throws synchronously when used without a mesh', async () => {
    const store = new FlakyDeadLetterStore();
    const transport = await world.transport({ durable: { ...fast, deadLetterStore: store } });
    let calls = 0;
    const sub = await transport.subscribe(
      'sync.fail',
      () => {
        if (++calls < 2) throw new Error('first time fails');
      },
      { durable: 'sync' },
    );
    await world.mesh().then((m) => m.publish('sync.fail', 'x'));
    await until(() => calls === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(2);
    expect(await store.size()).toBe(0);
    await sub.close();
  });

  it('refuses a durable name that already follows another topic, and invalid names', async () => {
    const transport = await world.transport({ durable: fast });
    const ok = await transport.subscribe('a.b', () => undefined, { durable: 'one' });
    await expect(transport.subscribe('c.d', () => undefined, { durable: 'one' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(transport.subscribe('a.b', () => undefined, { durable: 'has.dot' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await ok.close();
  });
});
