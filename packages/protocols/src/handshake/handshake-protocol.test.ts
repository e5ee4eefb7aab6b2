import { Agent, createMesh, defineAgent, type Message, type RequestContext } from '@agentmesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { meshErrorOf } from '../../test/support/outcome.js';
import { recordInbound } from '../../test/support/recorder.js';
import { expectContinuedContext } from '../../test/support/time.js';
import { HandshakeProtocol } from './handshake-protocol.js';
import type { HandshakeAware, HandshakeDecision, HandshakeOffer } from './types.js';
import { HANDSHAKE_PROTOCOL } from './wire.js';

/** An agent that does not handle messages at all: it still answers handshakes. */
class Mute extends Agent {}

async function setup(options: ConstructorParameters<typeof HandshakeProtocol>[1] = {}) {
  const mesh = createMesh();
  const inbound = recordInbound(mesh);
  const protocol = new HandshakeProtocol(mesh, options);
  await mesh.register(new Mute({ name: 'planner', capabilities: ['plan', 'delegate'] }));
  await mesh.register(new Mute({ name: 'search', capabilities: ['web', 'news'] }));
  return { mesh, protocol, inbound };
}

describe('HandshakeProtocol', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends protocol, versions and capabilities as structured data, and the answer says accepted (guide bug 1)', async () => {
    const { protocol, inbound } = await setup({ versions: ['1.0', '1.2'] });
    const result = await protocol.initiateHandshake('planner', 'search', { require: ['web'] });
    expect(result).toEqual({ accepted: true, peer: 'search', version: '1.2', capabilities: ['web', 'news'] });
    const [seen] = inbound.messages;
    expect(seen).toMatchObject({ to: 'search', from: 'planner' });
    expect(seen!.message.metadata).toMatchObject({ protocol: HANDSHAKE_PROTOCOL, handshake: 'request' });
    expect(seen!.message.content).toEqual({ protocol: HANDSHAKE_PROTOCOL, versions: ['1.0', '1.2'], capabilities: ['plan', 'delegate'], require: ['web'] });
  });

  it('puts the verdict in the reply metadata too, for code that reads only metadata', async () => {
    const { mesh } = await setup();
    const request: Message = { id: 'h-1', role: 'system', content: { protocol: HANDSHAKE_PROTOCOL, versions: ['1.0'], capabilities: [], require: [] }, metadata: { protocol: HANDSHAKE_PROTOCOL, handshake: 'request' } };
    const reply = await mesh.invoke('search', request, { from: 'planner' });
    expect(reply.metadata).toEqual({ protocol: HANDSHAKE_PROTOCOL, handshake: 'response', status: 'accepted' });
  });

  it('answers for agents registered later and for defineAgent agents, and leaves other messages alone', async () => {
    const { mesh, protocol } = await setup();
    await mesh.register(defineAgent({ name: 'late', capabilities: ['x'], handle: (m) => ({ echoed: m.content }) }));
    await expect(protocol.initiateHandshake('planner', 'late')).resolves.toMatchObject({ accepted: true, capabilities: ['x'] });
    await expect(mesh.invoke('late', 'hello')).resolves.toMatchObject({ content: { echoed: 'hello' } });
    await expect(mesh.invoke('search', 'hello')).rejects.toMatchObject({ code: 'NO_HANDLER' });
  });

  it('takes the caller capabilities from an Agent object, or from the registry by name', async () => {
    const { protocol, inbound } = await setup();
    const outsider = new Mute({ name: 'outsider', capabilities: ['audit'] });
    await protocol.initiateHandshake(outsider, 'search');
    await protocol.initiateHandshake('unregistered', 'search');
    expect(inbound.messages.map((m) => (m.message.content as { capabilities: string[] }).capabilities)).toEqual([['audit'], []]);
  });

  it('negotiates the highest common major.minor', async () => {
    const { protocol } = await setup({ versions: ['1.1', '2.0'] });
    await expect(protocol.initiateHandshake('planner', 'search')).resolves.toMatchObject({ version: '2.0' });
    await expect(protocol.initiateHandshake('planner', 'search', { version: '1.4', refresh: true })).resolves.toMatchObject({ version: '1.1' });
  });

  it('refuses an incompatible major with a reason naming both sides', async () => {
    const { protocol } = await setup({ versions: ['1.0', '1.3'] });
    const result = await protocol.initiateHandshake('planner', 'search', { version: '2.0' });
    expect(result.accepted).toBe(false);
    expect(result.reason).toContain('incompatible versions');
    expect(result.reason).toContain('2.0');
    expect(result.reason).toContain('1.3');
    expect(protocol.session('planner', 'search')).toBeUndefined();
  });

  it('refuses when required capabilities are missing, naming them', async () => {
    const { protocol } = await setup();
    const result = await protocol.initiateHandshake('planner', 'search', { require: ['web', 'pay', 'sign'] });
    expect(result).toMatchObject({ accepted: false, peer: 'search', missing: ['pay', 'sign'] });
    expect(result.reason).toContain('pay, sign');
  });

  it('lets a mesh-wide hook refuse with a reason, seeing the full offer', async () => {
    const offers: HandshakeOffer[] = [];
    const { protocol } = await setup({
      versions: ['1.0', '1.1'],
      accept: (offer, agent): HandshakeDecision => {
        offers.push(offer);
        return offer.capabilities.includes('plan') && agent.name === 'search' ? { accepted: false, reason: 'planners must go through the broker' } : { accepted: true };
      },
    });
    await expect(protocol.initiateHandshake('planner', 'search', { require: ['news'] })).resolves.toEqual({
      accepted: false,
      peer: 'search',
      reason: 'planners must go through the broker',
    });
    await expect(protocol.initiateHandshake('search', 'planner')).resolves.toMatchObject({ accepted: true });
    expect(offers[0]).toEqual({ from: 'planner', versions: ['1.0', '1.1'], capabilities: ['plan', 'delegate'], require: ['news'], version: '1.1' });
  });

  it("lets an agent decide with its own acceptHandshake method, after the mesh's hook", async () => {
    class Picky extends Agent implements HandshakeAware {
      acceptHandshake(offer: HandshakeOffer, ctx: RequestContext): HandshakeDecision {
        return offer.from === 'planner' && ctx.agentName === 'picky' ? { accepted: true } : { accepted: false, reason: `${offer.from ?? 'anonymous'} is not on my list` };
      }
    }
    const order: string[] = [];
    const { mesh, protocol } = await setup({ accept: () => (order.push('mesh'), { accepted: true }) });
    await mesh.register(new Picky({ name: 'picky' }));
    await expect(protocol.initiateHandshake('planner', 'picky')).resolves.toMatchObject({ accepted: true });
    await expect(protocol.initiateHandshake('search', 'picky')).resolves.toMatchObject({ accepted: false, reason: 'search is not on my list' });
    expect(order).toEqual(['mesh', 'mesh']);
  });

  it('fails the call (not a refusal) when a hook throws or returns nonsense', async () => {
    const { protocol } = await setup({
      accept: (offer) => {
        if (offer.from === 'planner') throw new Error('policy store down');
        return true as unknown as HandshakeDecision;
      },
    });
    await expect(protocol.initiateHandshake('planner', 'search')).rejects.toMatchObject({ code: 'HANDLER_ERROR', remote: { message: 'policy store down' } });
    await expect(protocol.initiateHandshake('search', 'planner')).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });

  it('rejects with AGENT_NOT_FOUND for a missing agent, not accepted: false', async () => {
    const { protocol } = await setup();
    const error = await meshErrorOf(protocol.initiateHandshake('planner', 'nobody'));
    expect(error.code).toBe('AGENT_NOT_FOUND');
  });

  it('times out with TIMEOUT when the answer does not come in time', async () => {
    vi.useFakeTimers();
    const { protocol } = await setup({ timeoutMs: 1_000, accept: () => new Promise<HandshakeDecision>(() => undefined) });
    const outcome = meshErrorOf(protocol.initiateHandshake('planner', 'search'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await outcome).code).toBe('TIMEOUT');
    const cancelled = meshErrorOf(protocol.initiateHandshake('planner', 'search', { signal: AbortSignal.abort() }));
    expect((await cancelled).code).toBe('CANCELLED');
  });

  it('inherits the caller context inside a handler: depth grows, the deadline is kept (guide bug 10)', async () => {
    const { mesh, protocol } = await setup();
    let seen: RequestContext | undefined;
    await mesh.register(new (class extends Agent implements HandshakeAware {
      acceptHandshake(_offer: HandshakeOffer, ctx: RequestContext): HandshakeDecision {
        seen = ctx;
        return { accepted: true };
      }
    })({ name: 'inner' }));
    let outer: RequestContext | undefined;
    await mesh.register(defineAgent({ name: 'outer', handle: async (_m, ctx) => { outer = ctx; return (await protocol.initiateHandshake('outer', 'inner', { context: ctx })).accepted; } }));
    await expect(mesh.invoke('outer', 'go', { timeoutMs: 4_000 })).resolves.toMatchObject({ content: true });
    expectContinuedContext(seen, outer);
  });

  it('refuses bad options and a second protocol on one mesh with INVALID_ARGUMENT', async () => {
    const { mesh, protocol } = await setup();
    expect(() => new HandshakeProtocol(mesh)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new HandshakeProtocol(createMesh(), { versions: [] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new HandshakeProtocol(createMesh(), { versions: ['one'] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new HandshakeProtocol(createMesh(), { timeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(protocol.initiateHandshake('planner', 'search', { version: '1' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(protocol.initiateHandshake('planner', 'search', { timeoutMs: -5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('fails INVALID_MESSAGE for a malformed request, and for a peer that answers something else', async () => {
    const { mesh, protocol } = await setup();
    const bad = { content: { protocol: HANDSHAKE_PROTOCOL, versions: 'all' }, metadata: { protocol: HANDSHAKE_PROTOCOL, handshake: 'request' } };
    await expect(mesh.invoke('search', bad)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    // An agent on a mesh without the protocol answers with whatever its handler returns.
    const other = createMesh({ transport: mesh.transport, closeTransport: false });
    await other.register(defineAgent({ name: 'legacy', handle: () => 'HANDSHAKE_ACK' }));
    await expect(protocol.initiateHandshake('planner', 'legacy')).rejects.toMatchObject({ code: 'INVALID_MESSAGE', message: expect.stringContaining('did not answer the handshake') });
  });

  it('does not trust an accepted answer that agrees to a version never offered or lacks a required capability', async () => {
    const { mesh, protocol } = await setup({ versions: ['1.0'] });
    const liar = createMesh({ transport: mesh.transport, closeTransport: false });
    const answer = (content: object) => ({ role: 'system' as const, content: { protocol: HANDSHAKE_PROTOCOL, ...content }, metadata: { protocol: HANDSHAKE_PROTOCOL, handshake: 'response' } });
    await liar.register(defineAgent({ name: 'future', handle: () => answer({ accepted: true, version: '3.0', capabilities: [] }) }));
    await liar.register(defineAgent({ name: 'boaster', handle: () => answer({ accepted: true, version: '1.0', capabilities: [] }) }));
    await expect(protocol.initiateHandshake('planner', 'future')).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    await expect(protocol.initiateHandshake('planner', 'boaster', { require: ['web'] })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(protocol.sessionCount).toBe(0);
  });
});
