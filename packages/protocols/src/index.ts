export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_VERSIONS,
  DEFAULT_SESSION_TTL_MS,
  HandshakeProtocol,
  type HandshakeProtocolOptions,
  type InitiateHandshakeOptions,
} from './handshake/handshake-protocol.js';
export type {
  AcceptHandshake,
  HandshakeAccepted,
  HandshakeAware,
  HandshakeDecision,
  HandshakeOffer,
  HandshakeRejected,
  HandshakeResult,
} from './handshake/types.js';
export { isProtocolVersion, negotiateVersion } from './handshake/version.js';
export { HANDSHAKE_PROTOCOL } from './handshake/wire.js';

export {
  defineRequest,
  type AnyRequestDefinition,
  type RequestDefinition,
  type RequestHandlerInput,
  type RequestHandlerOutput,
  type RequestPayload,
  type RequestResult,
} from './request-reply/define-request.js';
export type { DeferredReply } from './request-reply/deferred-reply.js';
export type { IncomingRequest } from './request-reply/incoming-request.js';
export {
  DEFAULT_MAX_TOTAL_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type HandleReplyOptions,
  type RequestReplyProtocolOptions,
  type SendRequestOptions,
} from './request-reply/options.js';
export { RequestReplyProtocol } from './request-reply/request-reply-protocol.js';
export type { TypedRequestHandler, TypedRequestResult } from './request-reply/request-server.js';
export { REQUEST_REPLY_PROTOCOL, type ReplyKind } from './request-reply/wire.js';

export type { ProtocolLogger } from './shared/logger.js';
