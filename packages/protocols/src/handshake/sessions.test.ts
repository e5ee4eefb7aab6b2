import { Agent, createMesh, InMemoryTransport } from '@agentmesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordInbound } from '../../test/support/recorder.js';
import { HandshakeProtocol, type HandshakeProtocolOptions } from './handshake-protocol.js';
import { isHandshakeRequest } from './wire.js';

class Mute extends Agent {}

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
    await expect(local.initiateHandshake('intruder', 'remote-search')).resolves.toMatchObject({ accepted: false, reason: 'unknown caller' });
    await Promise.all([here.close(), there.close()]);
  });
});
