import { MeshError, type SerializedMeshError } from '../errors/mesh-error.js';
import { isMeshErrorCode } from '../errors/codes.js';
import { checkJson } from '../message/json.js';
import { assertValidMessage } from '../message/validate.js';
import type { EventEnvelope, ReplyEnvelope, RequestEnvelope } from './types.js';

/**
 * Ingress validation for network transports: each parser takes untrusted decoded JSON and returns
 * a well-formed envelope, or throws INVALID_MESSAGE saying what is wrong. Nothing else from the
 * wire reaches an agent.
 */
export function parseRequestEnvelope(value: unknown, maxMessageBytes: number): RequestEnvelope {
  const v = asObject(value, 'request envelope');
  const out: RequestEnvelope = {
    id: str(v, 'id'),
    to: str(v, 'to'),
    from: optStr(v, 'from'),
    message: assertValidMessage(v['message'], maxMessageBytes, 'request.message'),
    deadline: optNum(v, 'deadline'),
    depth: num(v, 'depth'),
    traceId: str(v, 'traceId'),
    spanId: str(v, 'spanId'),
    parentSpanId: optStr(v, 'parentSpanId'),
    principal: v['principal'] === undefined ? undefined : principal(v['principal']),
  };
  if (!Number.isInteger(out.depth) || out.depth < 1) throw invalid('request envelope: depth must be a positive integer');
  return out;
}

/** Validates a decoded reply envelope. */
export function parseReplyEnvelope(value: unknown, maxMessageBytes: number): ReplyEnvelope {
  const v = asObject(value, 'reply envelope');
  const id = str(v, 'id');
  if (v['ok'] === true) return { id, ok: true, message: assertValidMessage(v['message'], maxMessageBytes, 'reply.message') };
  if (v['ok'] !== false) throw invalid('reply envelope: ok must be a boolean');
  return { id, ok: false, error: parseSerializedError(v['error']) };
}

/** Validates a decoded event envelope. */
export function parseEventEnvelope(value: unknown, maxMessageBytes: number): EventEnvelope {
  const v = asObject(value, 'event envelope');
  return {
    topic: str(v, 'topic'),
    message: assertValidMessage(v['message'], maxMessageBytes, 'event.message'),
    from: optStr(v, 'from'),
    traceId: optStr(v, 'traceId'),
  };
}

/** Validates a decoded serialized error (unknown codes are kept as TRANSPORT_ERROR by fromJSON). */
export function parseSerializedError(value: unknown): SerializedMeshError {
  const v = asObject(value, 'error');
  const code = v['code'];
  // Error texts may be empty (`throw new Error()`): only their type is checked.
  const message = text(v, 'message');
  const out: { -readonly [K in keyof SerializedMeshError]: SerializedMeshError[K] } = {
    code: isMeshErrorCode(code) ? code : 'TRANSPORT_ERROR',
    message: isMeshErrorCode(code) ? message : `unknown error code ${JSON.stringify(code)}: ${message}`,
    retryable: v['retryable'] === true,
  };
  const retryAfterMs = optNum(v, 'retryAfterMs');
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
  const agent = optStr(v, 'agent');
  if (agent !== undefined) out.agent = agent;
  if (v['remote'] !== undefined) {
    const r = asObject(v['remote'], 'error.remote');
    const code = r['code'] === undefined || r['code'] === null ? undefined : text(r, 'code');
    out.remote = code === undefined ? { name: text(r, 'name'), message: text(r, 'message') } : { name: text(r, 'name'), message: text(r, 'message'), code };
  }
  if (v['details'] !== undefined) out.details = jsonObject(v['details'], 'error.details') as SerializedMeshError['details'] & object;
  return out;
}

/** Rebuilds the MeshError a reply carries. */
export function replyError(reply: Extract<ReplyEnvelope, { ok: false }>): MeshError {
  return MeshError.fromJSON(reply.error);
}

function jsonObject(value: unknown, what: string): Record<string, unknown> {
  const v = asObject(value, what);
  const problem = checkJson(v, what, Number.MAX_SAFE_INTEGER);
  if (typeof problem !== 'number') throw invalid(`${problem.path}: ${problem.reason}`);
  return v;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function str(v: Record<string, unknown>, key: string): string {
  const x = v[key];
  if (typeof x !== 'string' || x.length === 0) throw invalid(`envelope field "${key}" must be a non-empty string`);
  return x;
}

/** A string field that may be empty (error texts). */
function text(v: Record<string, unknown>, key: string): string {
  const x = v[key];
  if (typeof x !== 'string') throw invalid(`envelope field "${key}" must be a string`);
  return x;
}

function optStr(v: Record<string, unknown>, key: string): string | undefined {
  return v[key] === undefined || v[key] === null ? undefined : str(v, key);
}

function num(v: Record<string, unknown>, key: string): number {
  const x = v[key];
  if (typeof x !== 'number' || !Number.isFinite(x)) throw invalid(`envelope field "${key}" must be a finite number`);
  return x;
}

function optNum(v: Record<string, unknown>, key: string): number | undefined {
  return v[key] === undefined || v[key] === null ? undefined : num(v, key);
}

function principal(value: unknown): RequestEnvelope['principal'] {
  const v = asObject(value, 'principal');
  const id = str(v, 'id');
  if (v['claims'] === undefined) return { id };
  return { id, claims: jsonObject(v['claims'], 'principal.claims') as NonNullable<NonNullable<RequestEnvelope['principal']>['claims']> };
}

function invalid(message: string): MeshError {
  return new MeshError('INVALID_MESSAGE', message);
}
