import type { Agent, RequestContext } from '@agentmesh/core';

/** What a peer asked for in a handshake, as the answering side sees it. */
export interface HandshakeOffer {
  /** The agent that initiated the handshake, as the transport reports it. */
  readonly from: string | undefined;
  /** The `major.minor` versions the initiator speaks. */
  readonly versions: readonly string[];
  /** The initiator's own capabilities. */
  readonly capabilities: readonly string[];
  /** Capabilities the initiator requires of the answering agent. */
  readonly require: readonly string[];
  /** The version both sides would speak if the handshake is accepted. */
  readonly version: string;
}

/** An acceptance hook's verdict: accept, or refuse with a reason the initiator will read. */
export type HandshakeDecision = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

/**
 * A mesh-wide acceptance hook: runs on the answering side after versions and required
 * capabilities passed. Throwing fails the initiator's call (HANDLER_ERROR); refusing is a normal,
 * resolved `accepted: false`.
 */
export type AcceptHandshake = (offer: HandshakeOffer, agent: Agent, ctx: RequestContext) => HandshakeDecision | Promise<HandshakeDecision>;

/**
 * An agent that decides its own handshakes: give the agent class an `acceptHandshake` method.
 * It runs after the mesh-wide hook; both must accept.
 */
export interface HandshakeAware {
  acceptHandshake(offer: HandshakeOffer, ctx: RequestContext): HandshakeDecision | Promise<HandshakeDecision>;
}

/** An established session. */
export interface HandshakeAccepted {
  readonly accepted: true;
  /** The agent that answered. */
  readonly peer: string;
  /** The agreed `major.minor` version. */
  readonly version: string;
  /** The peer's capabilities. */
  readonly capabilities: readonly string[];
  readonly reason?: undefined;
  readonly missing?: undefined;
}

/** A refused handshake. */
export interface HandshakeRejected {
  readonly accepted: false;
  readonly peer: string;
  /** Why, in words: incompatible versions, missing capabilities, or the acceptance hook's reason. */
  readonly reason: string;
  /** The required capabilities the peer lacks, when that is why. */
  readonly missing?: readonly string[];
  readonly version?: undefined;
  readonly capabilities?: undefined;
}

/** The outcome of {@link HandshakeProtocol.initiateHandshake}; narrow on `accepted`. */
export type HandshakeResult = HandshakeAccepted | HandshakeRejected;
