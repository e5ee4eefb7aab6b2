import type { Agent, InboundCall, Message, RequestContext } from '@agentmesh/core';
import { invalidMessage } from '../shared/errors.js';
import type { AcceptHandshake, HandshakeAware, HandshakeDecision, HandshakeOffer, HandshakeResult } from './types.js';
import { negotiateVersion } from './version.js';
import { handshakeResponse, parseHandshakeRequest } from './wire.js';

/** What the answering side decides with. */
export interface ResponderConfig {
  readonly versions: readonly string[];
  readonly accept: AcceptHandshake | undefined;
}

/**
 * Answers one handshake request for a local agent: versions first, then the initiator's required
 * capabilities, then the mesh-wide hook, then the agent's own `acceptHandshake`. The first
 * refusal is the answer.
 */
export async function answerHandshake(call: InboundCall, config: ResponderConfig): Promise<Message> {
  const { agent, context } = call;
  const request = parseHandshakeRequest(call.message);
  return handshakeResponse(await decide(agent, context, request, config));
}

async function decide(agent: Agent, ctx: RequestContext, request: ReturnType<typeof parseHandshakeRequest>, config: ResponderConfig): Promise<HandshakeResult> {
  const peer = agent.name;
  const version = negotiateVersion(request.versions, config.versions);
  if (version === undefined) {
    const reason = `incompatible versions: offered ${request.versions.join(', ')}; "${peer}" supports ${config.versions.join(', ')}`;
    return { accepted: false, peer, reason };
  }
  const capabilities = agent.getCapabilities();
  const missing = request.require.filter((c) => !capabilities.includes(c));
  if (missing.length > 0) {
    return { accepted: false, peer, reason: `"${peer}" lacks required capabilities: ${missing.join(', ')}`, missing };
  }
  const offer: HandshakeOffer = { from: ctx.from, versions: request.versions, capabilities: request.capabilities, require: request.require, version };
  const verdicts: (() => HandshakeDecision | Promise<HandshakeDecision>)[] = [];
  if (config.accept !== undefined) {
    const accept = config.accept;
    verdicts.push(() => accept(offer, agent, ctx));
  }
  if (isHandshakeAware(agent)) verdicts.push(() => agent.acceptHandshake(offer, ctx));
  for (const verdict of verdicts) {
    const decision = checkDecision(await verdict(), peer);
    if (!decision.accepted) return { accepted: false, peer, reason: decision.reason };
  }
  return { accepted: true, peer, version, capabilities: [...capabilities] };
}

function isHandshakeAware(agent: Agent): agent is Agent & HandshakeAware {
  return typeof (agent as Partial<HandshakeAware>).acceptHandshake === 'function';
}

/** A hook that returns something else (a boolean, nothing) is a bug worth a clear message. */
function checkDecision(decision: unknown, peer: string): HandshakeDecision {
  const d = decision as Partial<{ accepted: unknown; reason: unknown }> | null | undefined;
  if (d?.accepted === true) return { accepted: true };
  if (d?.accepted === false && typeof d.reason === 'string' && d.reason.length > 0) return { accepted: false, reason: d.reason };
  throw invalidMessage(
    `handshake acceptance hook of "${peer}" must return { accepted: true } or { accepted: false, reason }, got ${JSON.stringify(decision) ?? String(decision)}`,
    peer,
  );
}
