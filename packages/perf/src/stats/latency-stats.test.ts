import { defineAgent, MeshError, type Call, type Message } from '@agentmesh/core';
import { describe, expect, it } from 'vitest';
import { meshScope } from '../../test/meshes.js';
import { deferred } from '../../test/support.js';
import { DEFAULT_MAX_TARGETS, OTHER_TARGETS, latencyStats } from './latency-stats.js';

const newMesh = meshScope();

/** A time source the test moves by hand. */
function manualTime() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('latencyStats middleware', () => {
  it('counts calls, errors and calls in flight per target, with durations as the caller saw them', async () => {
    const time = manualTime();
    const stats = latencyStats({ now: time.now });
    const mesh = newMesh().use(stats);
    const gate = deferred<string>();
    await mesh.register(defineAgent({ name: 'fast', handle: () => 'ok' }));
    await mesh.register(defineAgent({ name: 'slow', handle: () => gate.promise }));
    await mesh.register(defineAgent({ name: 'bad', handle: () => Promise.reject(new Error('x')) }));
    for (let i = 1; i <= 4; i++) {
      const call = mesh.invoke('fast', 'q');
      time.advance(i);
      await call;
    }
    const slow = mesh.invoke('slow', 'q');
    const failing = mesh.invoke('bad', 'q').catch(() => undefined);
    time.advance(10);
    await failing;
    await expect(mesh.invoke('nobody', 'q')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    const during = stats.snapshot();
    expect(during.targets['fast']).toMatchObject({ count: 4, errors: 0, inFlight: 0, minMs: 1, maxMs: 4, meanMs: 2.5, p99Ms: 4 });
    // 2 ms lies in the bucket [2.000, 2.016) ms; percentiles report a bucket's end, never below the truth.
    expect(during.targets['fast']!.p50Ms).toBe(2.016);
    expect(during.targets['slow']).toMatchObject({ count: 0, inFlight: 1 });
    expect(during.targets['bad']).toMatchObject({ count: 1, errors: 1, errorsByCode: { HANDLER_ERROR: 1 }, maxMs: 10 });
    expect(during.targets['nobody']).toMatchObject({ count: 1, errors: 1, errorsByCode: { AGENT_NOT_FOUND: 1 } });
    expect(during.total).toMatchObject({ count: 6, errors: 2, inFlight: 1, maxMs: 10 });
    gate.resolve('done');
    await slow;
    expect(stats.snapshot().targets['slow']).toMatchObject({ count: 1, inFlight: 0, maxMs: 10 });
  });

  it('takes a snapshot that is plain JSON', async () => {
    const stats = latencyStats();
    const mesh = newMesh().use(stats);
    await mesh.register(defineAgent({ name: 'a', handle: () => 'ok' }));
    await mesh.invoke('a', 'q');
    const snapshot = stats.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.targets['a']!.count).toBe(1);
    expect(snapshot.targets['a']!.maxMs).toBeGreaterThanOrEqual(0);
  });

  it('reset() forgets completed calls but keeps counting calls in flight', async () => {
    const time = manualTime();
    const stats = latencyStats({ now: time.now });
    const gate = deferred<Message>();
    const next = (call: Call) => (call.to === 'held' ? gate.promise : Promise.resolve({ id: '1', role: 'assistant', content: null, metadata: {} } as Message));
    const call = (to: string) => stats({ from: undefined, to, message: { id: 'm', role: 'user', content: 'q', metadata: {} }, context: undefined as never }, next);
    await call('done');
    const held = call('held');
    stats.reset();
    expect(stats.snapshot().targets).toEqual({ held: expect.objectContaining({ count: 0, inFlight: 1 }) });
    time.advance(7);
    gate.resolve({ id: '2', role: 'assistant', content: 'late', metadata: {} });
    await held;
    expect(stats.snapshot().targets['held']).toMatchObject({ count: 1, inFlight: 0, maxMs: 7 });
  });

  it('records a middleware that throws synchronously as a failed call', async () => {
    const stats = latencyStats({ now: () => 0 });
    const thrown = stats({ from: undefined, to: 't', message: { id: 'm', role: 'user', content: 'q', metadata: {} }, context: undefined as never }, () => {
      throw new MeshError('INVALID_MESSAGE', 'bad');
    });
    await expect(thrown).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(stats.snapshot().targets['t']).toMatchObject({ count: 1, errors: 1, errorsByCode: { INVALID_MESSAGE: 1 }, inFlight: 0 });
  });

  it(`keeps fixed memory: beyond maxTargets (default ${DEFAULT_MAX_TARGETS}) calls count under "${OTHER_TARGETS}"`, async () => {
    const stats = latencyStats({ now: () => 0, maxTargets: 2 });
    const next = () => Promise.reject(new TypeError('plain'));
    const call = (to: string) => stats({ from: undefined, to, message: { id: 'm', role: 'user', content: 'q', metadata: {} }, context: undefined as never }, next).catch(() => undefined);
    for (const to of ['a', 'b', 'c', 'd', 'a']) await call(to);
    const { targets } = stats.snapshot();
    expect(Object.keys(targets).sort()).toEqual([OTHER_TARGETS, 'a', 'b']);
    expect(targets[OTHER_TARGETS]).toMatchObject({ count: 2, errorsByCode: { OTHER: 2 } });
    expect(targets['a']!.count).toBe(2);
    stats.reset();
    await call('e');
    expect(Object.keys(stats.snapshot().targets)).toEqual(['e']);
    expect(() => latencyStats({ maxTargets: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
