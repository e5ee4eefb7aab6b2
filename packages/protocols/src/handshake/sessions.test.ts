import { Agent, createMesh, InMemoryTransport } from '@agentmesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock.js';
import { recordInbound } from '../../test/support/recorder.js';
import { HandshakeProtocol, type HandshakeProtocolOptions } from './handshake-protocol.js';
import { isHandshakeRequest } from './wire.js';

class Mute extends Agent {}

/** An acceptance hook that holds every handshake until `release`, so tests can act while one is in flight. */
function gatedAccept() {
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const inFlight = new Promise<void>((resolve) => (entered = resolve));
  const accept = async () => {
    entered();
    await gate;
    return { accepted: true } as const;
  };
  return { accept, inFlight, release };
}

async function setup(options: HandshakeProtocolOptions = {}) {
  const mesh = createMesh();
  const inbound = recordInbound(mesh);
  const protocol = new HandshakeProtocol(mesh, options);
  const search = new Mute({ name: 'search', capabilities: ['web'] });
  await mesh.register(new Mute({ name: 'planner' }));
  await mesh.register(search);
  const requests = () => inbound.messages.filter((m) => isHandshakeRequest(m.message)).length;
  return { mesh, protocol, requests, search };
}

describe('handshake sessions', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('caches an accepted session per pair until it is invalidated', async () => {
    const { protocol, requests } = await setup();
    const first = await protocol.initiateHandshake('planner', 'search');
    await expect(protocol.initiateHandshake('planner', 'search')).resolves.toBe(first);
    expect(requests()).toBe(1);
    expect(protocol.session('planner', 'search')).toBe(first);
    expect(protocol.session('search', 'planner')).toBeUndefined();
    await protocol.initiateHandshake('search', 'planner');
    expect(requests()).toBe(2);
    expect(protocol.sessionCount).toBe(2);

    expect(protocol.invalidate('planner', 'search')).toBe(true);
    expect(protocol.invalidate('planner', 'search')).toBe(false);
    await protocol.initiateHandshake('planner', 'search');
    expect(requests()).toBe(3);
    protocol.clear();
    expect(protocol.sessionCount).toBe(0);
    await protocol.initiateHandshake('planner', 'search');
    expect(requests()).toBe(4);
  });

  it('handshakes again for a different offer, a requirement the cached peer lacks, or refresh', async () => {
    const { protocol, requests } = await setup({ versions: ['1.0', '1.1'] });
    await protocol.initiateHandshake('planner', 'search');
    await protocol.initiateHandshake('planner', 'search', { require: ['web'] });
    expect(requests()).toBe(1);
    await protocol.initiateHandshake('planner', 'search', { version: '1.0' });
    expect(requests()).toBe(2);
    await expect(protocol.initiateHandshake('planner', 'search', { version: '1.0', require: ['gpu'] })).resolves.toMatchObject({ accepted: false, missing: ['gpu'] });
    expect(requests()).toBe(3);
    // The refusal dropped the session; nothing stale is served afterwards.
    expect(protocol.session('planner', 'search')).toBeUndefined();
    await protocol.initiateHandshake('planner', 'search', { refresh: true });
    await protocol.initiateHandshake('planner', 'search', { refresh: true });
    expect(requests()).toBe(5);
  });

  it('never caches a refusal: a peer that changes its mind is asked again', async () => {
    let open = false;
    const { protocol, requests } = await setup({ accept: () => (open ? { accepted: true } : { accepted: false, reason: 'maintenance' }) });
    await expect(protocol.initiateHandshake('planner', 'search')).resolves.toMatchObject({ accepted: false, reason: 'maintenance' });
    open = true;
    await expect(protocol.initiateHandshake('planner', 'search')).resolves.toMatchObject({ accepted: true });
    expect(requests()).toBe(2);
  });

  it('expires sessions after sessionTtlMs, on the injected clock', async () => {
    vi.useFakeTimers();
    const { protocol, requests } = await setup({ sessionTtlMs: 60_000 });
    await protocol.initiateHandshake('planner', 'search');
    vi.advanceTimersByTime(59_999);
    await protocol.initiateHandshake('planner', 'search');
    expect(requests()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(protocol.session('planner', 'search')).toBeUndefined();
    await protocol.initiateHandshake('planner', 'search');
    expect(requests()).toBe(2);
  });

  it('fails AGENT_NOT_FOUND once the local peer is unregistered, as an uncached handshake would (review A)', async () => {
    const { mesh, protocol } = await setup();
    await expect(protocol.initiateHandshake('planner', 'search', { require: ['web'] })).resolves.toMatchObject({ accepted: true });
    await mesh.unregister('search');
    expect(protocol.session('planner', 'search')).toBeUndefined();
    expect(protocol.sessionCount).toBe(0);
    await expect(protocol.initiateHandshake('planner', 'search', { require: ['web'] })).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    await expect(protocol.initiateHandshake('planner', 'search')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
  });

  it('handshakes again with a re-registered peer: its predecessor\'s session proves nothing about it (review A)', async () => {
    const { mesh, protocol, requests } = await setup();
    // Cached without `require`: the later call that requires `web` must still be checked against the new agent.
    await protocol.initiateHandshake('planner', 'search');
    await mesh.unregister('search');
    await mesh.register(new Mute({ name: 'search' }));
    await expect(protocol.initiateHandshake('planner', 'search', { require: ['web'] })).resolves.toMatchObject({ accepted: false, peer: 'search', missing: ['web'] });
    expect(requests()).toBe(2);

    // A replacement with the same capabilities is still a different agent: one new handshake, then cached.
    await mesh.unregister('search');
    await mesh.register(new Mute({ name: 'search', capabilities: ['web'] }));
    const fresh = await protocol.initiateHandshake('planner', 'search', { require: ['web'] });
    await expect(protocol.initiateHandshake('planner', 'search', { require: ['web'] })).resolves.toBe(fresh);
    expect(requests()).toBe(3);
  });

  it('sweeps expired sessions, so short-lived peers do not pile up (review B)', async () => {
    const clock = new ManualClock();
    const { mesh, protocol } = await setup({ sessionTtlMs: 10, clock });
    for (let i = 0; i < 5_000; i++) {
      await mesh.register(new Mute({ name: `task-${i}` }));
      await protocol.initiateHandshake('planner', `task-${i}`);
      await mesh.unregister(`task-${i}`);
      if (i % 100 === 99) await clock.advance(5);
    }
    expect(protocol.sessionCount).toBe(0);
    // A remote-style peer that stays is swept by time alone.
    await protocol.initiateHandshake('planner', 'search');
    expect(protocol.sessionCount).toBe(1);
    await clock.advance(10);
    expect(protocol.sessionCount).toBe(0);
  });

  it('drops sessions of unregistered peers even without a TTL (review B)', async () => {
    const { mesh, protocol } = await setup();
    for (let i = 0; i < 200; i++) {
      await mesh.register(new Mute({ name: `task-${i}` }));
      await protocol.initiateHandshake('planner', `task-${i}`);
      await mesh.unregister(`task-${i}`);
    }
    await protocol.initiateHandshake('planner', 'search');
    expect(protocol.sessionCount).toBe(1);
  });

  it('does not cache a handshake that was in flight when clear() ran (review B)', async () => {
    const { accept, inFlight, release } = gatedAccept();
    const { protocol, requests } = await setup({ accept });
    const pending = protocol.initiateHandshake('planner', 'search');
    await inFlight;
    protocol.clear();
    release();
    await expect(pending).resolves.toMatchObject({ accepted: true });
    expect(protocol.session('planner', 'search')).toBeUndefined();
    expect(protocol.sessionCount).toBe(0);
    // Handshakes started after the clear cache as usual.
    const next = await protocol.initiateHandshake('planner', 'search');
    expect(protocol.session('planner', 'search')).toBe(next);
    expect(requests()).toBe(2);
  });

  it('does not cache a handshake of a pair invalidated while it was in flight, and leaves other pairs alone (review B)', async () => {
    const { accept, inFlight, release } = gatedAccept();
    const { protocol } = await setup({ accept });
    const invalidated = protocol.initiateHandshake('planner', 'search');
    const other = protocol.initiateHandshake('search', 'planner');
    await inFlight;
    expect(protocol.invalidate('planner', 'search')).toBe(false);
    release();
    await Promise.all([invalidated, other]);
    expect(protocol.session('planner', 'search')).toBeUndefined();
    expect(protocol.session('search', 'planner')).toBe(await other);
    await protocol.initiateHandshake('planner', 'search');
    expect(protocol.session('planner', 'search')).toBeDefined();
  });

  it('does not cache a handshake whose peer was replaced while it was in flight', async () => {
    const { accept, inFlight, release } = gatedAccept();
    const { mesh, protocol } = await setup({ accept });
    const pending = protocol.initiateHandshake('planner', 'search');
    await inFlight;
    await mesh.unregister('search');
    await mesh.register(new Mute({ name: 'search' }));
    release();
    await pending;
    expect(protocol.session('planner', 'search')).toBeUndefined();
  });

  it('works across meshes (processes): each mesh installs the protocol, over a serializing transport', async () => {
    const transport = new InMemoryTransport({ serialize: true });
    const here = createMesh({ transport, closeTransport: false });
    const there = createMesh({ transport, closeTransport: false });
    const local = new HandshakeProtocol(here, { versions: ['2.3'] });
    new HandshakeProtocol(there, { versions: ['2.1', '3.0'], accept: (offer) => (offer.from === 'planner' ? { accepted: true } : { accepted: false, reason: 'unknown caller' }) });
    await here.register(new Mute({ name: 'planner', capabilities: ['plan'] }));
    await there.register(new Mute({ name: 'remote-search', capabilities: ['web'] }));
    await expect(local.initiateHandshake('planner', 'remote-search', { require: ['web'] })).resolves.toEqual({
      accepted: true,
      peer: 'remote-search',
      version: '2.1',
      capabilities: ['web'],
    });
    // A remote peer is not in this mesh's registry: its session lasts until it expires or is invalidated.
    const session = local.session('planner', 'remote-search');
    await expect(local.initiateHandshake('planner', 'remote-search', { require: ['web'] })).resolves.toBe(session);
    await expect(local.initiateHandshake('intruder', 'remote-search')).resolves.toMatchObject({ accepted: false, reason: 'unknown caller' });
    await Promise.all([here.close(), there.close()]);
  });
});
