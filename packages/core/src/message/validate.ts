import { MeshError } from '../errors/mesh-error.js';
import { checkJson, messageJsonSize } from './json.js';
import { MESSAGE_ROLES, type Message, type MessageRole } from './message.js';

/** Default largest message the mesh accepts, in (UTF-8) bytes of its JSON form. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Validates a message at a boundary and returns it typed; throws INVALID_MESSAGE saying what and
 * where. Checks the shape, that content and metadata are JSON-safe, and the size limit.
 */
export function assertValidMessage(value: unknown, maxBytes: number, where = 'message'): Message {
  if (typeof value !== 'object' || value === null) {
    throw invalid(`${where} must be an object, got ${value === null ? 'null' : typeof value}`);
  }
  const { id, role, name, metadata, content } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0) throw invalid(`${where}.id must be a non-empty string`);
  if (!isRole(role)) throw invalid(`${where}.role must be one of ${MESSAGE_ROLES.join(', ')}`);
  if (name !== undefined && typeof name !== 'string') throw invalid(`${where}.name must be a string`);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw invalid(`${where}.metadata must be a JSON object`);
  }
  if (content === undefined) throw invalid(`${where}.content is missing`);
  // Fast pass over the whole message; the detailed pass runs only to explain a failure.
  if (messageJsonSize(id, role, name, content, metadata, maxBytes) >= 0) return value as Message;
  const result = checkJson({ content, metadata }, where, maxBytes);
  if (typeof result !== 'number') throw invalid(`${result.path}: ${result.reason}`);
  // Content and metadata are fine on their own: the id or name made it too big.
  throw invalid(`${where} exceeds the ${maxBytes}-byte limit (its id and name count too)`);
}

function isRole(role: unknown): role is MessageRole {
  return role === 'user' || role === 'assistant' || role === 'system' || role === 'tool';
}

function invalid(message: string): MeshError {
  return new MeshError('INVALID_MESSAGE', message);
}
