export { MeshErrorCode, RETRYABLE_BY_DEFAULT, isMeshErrorCode } from './errors/codes.js';
export {
  MeshError,
  toHandlerError,
  type MeshErrorOptions,
  type RemoteErrorInfo,
  type SerializedMeshError,
} from './errors/mesh-error.js';

export { checkJson, type JsonObject, type JsonProblem, type JsonValue } from './message/json.js';
export { nextId } from './message/ids.js';
export {
  MESSAGE_ROLES,
  createMessage,
  isMessage,
  type Message,
  type MessageInit,
  type MessageRole,
} from './message/message.js';
export { MessageSchema } from './message/schema.js';
export { DEFAULT_MAX_MESSAGE_BYTES, assertValidMessage } from './message/validate.js';

export { Cancellation } from './context/cancellation.js';
export { MAX_TIMER_MS, systemClock, type Clock, type TimerHandle } from './context/clock.js';
export { DeadlineScheduler, type DeadlineEntry, type DeadlineTarget } from './context/deadline-scheduler.js';
export {
  RequestContext,
  cancelledError,
  earliest,
  timeoutError,
  type ContextOverrides,
  type Principal,
  type RequestContextInit,
} from './context/request-context.js';

export { Agent, assertAgentName, type AgentOptions, type HandlerResult } from './agent/agent.js';
export { defineAgent, type AgentDefinition } from './agent/define-agent.js';
export { AgentRegistry, type AgentInfo, type RegistryHooks } from './agent/registry.js';

export {
  parseEventEnvelope,
  parseReplyEnvelope,
  parseRequestEnvelope,
  parseSerializedError,
  replyError,
} from './transport/envelope.js';
export { InMemoryTransport, type InMemoryTransportOptions } from './transport/in-memory.js';
export { assertTopic, topicMatches } from './transport/topic.js';
export type {
  Closable,
  EventEnvelope,
  EventHandler,
  ReplyEnvelope,
  RequestEnvelope,
  RequestHandler,
  RequestOptions,
  ServeContext,
  Transport,
  TransportSubscribeOptions,
} from './transport/types.js';

export { DEFAULT_MAX_DEPTH, DEFAULT_TIMEOUT_MS, createMesh } from './mesh/mesh.js';
export { isThenable } from './mesh/server.js';
export type {
  AccessPolicy,
  Call,
  EventInfo,
  InboundCall,
  InboundMiddleware,
  InvokeOptions,
  Mesh,
  MeshOptions,
  MeshStats,
  Middleware,
  PublishOptions,
  SubscribeOptions,
  Subscriber,
  Subscription,
} from './mesh/types.js';
