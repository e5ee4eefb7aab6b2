import { nextId } from './ids.js';
import type { JsonObject, JsonValue } from './json.js';

/** Who speaks in a message, as in chat-style LLM APIs. */
export type MessageRole = 'user' | 'assistant' | 'system' | 'tool';

/** The roles {@link MessageRole} allows. */
export const MESSAGE_ROLES: readonly MessageRole[] = ['user', 'assistant', 'system', 'tool'];

/**
 * What agents send each other. `content` is text or any JSON value (structured data needs no string
 * concatenation); `metadata` always travels end to end, through every transport and pattern.
 */
export interface Message<TContent extends JsonValue = JsonValue> {
  readonly id: string;
  readonly role: MessageRole;
  readonly content: TContent;
  readonly name?: string;
  readonly metadata: JsonObject;
}

/** What {@link createMessage} accepts: text, or a message without the parts it can fill in. */
export type MessageInit<TContent extends JsonValue = JsonValue> =
  | string
  | {
      readonly id?: string;
      readonly role?: MessageRole;
      readonly content: TContent;
      readonly name?: string;
      readonly metadata?: JsonObject;
    };

/**
 * Builds a message: text becomes a `user` message; a partial gets a fresh id, role `user` and empty
 * metadata where it has none. The content is kept as given (no copy, no validation; the mesh
 * validates at its boundaries).
 */
export function createMessage<TContent extends JsonValue = string>(init: MessageInit<TContent>): Message<TContent> {
  if (typeof init === 'string') {
    return { id: nextId(), role: 'user', content: init as TContent, metadata: {} };
  }
  const message: { -readonly [K in keyof Message<TContent>]: Message<TContent>[K] } = {
    id: init.id ?? nextId(),
    role: init.role ?? 'user',
    content: init.content,
    metadata: init.metadata ?? {},
  };
  if (init.name !== undefined) message.name = init.name;
  return message;
}

/** True when `value` has the shape of a {@link Message} (a cheap structural check, not a deep one). */
export function isMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['id'] === 'string' &&
    typeof v['role'] === 'string' &&
    MESSAGE_ROLES.includes(v['role'] as MessageRole) &&
    'content' in v &&
    typeof v['metadata'] === 'object' &&
    v['metadata'] !== null &&
    !Array.isArray(v['metadata'])
  );
}
