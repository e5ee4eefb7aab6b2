import type { HandlerResult } from '../agent/agent.js';
import type { JsonValue } from '../message/json.js';
import { createMessage, isMessage, type Message } from '../message/message.js';
import { assertValidMessage } from '../message/validate.js';

/**
 * Turns what a handler returned into the reply message: a message as is, text or JSON as the
 * content of a new `assistant` message, nothing as `null` content. Validated like any message, so
 * a handler returning a function or a BigInt fails INVALID_MESSAGE here rather than on some wire.
 */
export function toReplyMessage(result: HandlerResult, maxBytes: number): Message {
  if (isMessage(result)) return assertValidMessage(result, maxBytes, 'reply');
  const content: JsonValue = result ?? null;
  return assertValidMessage(createMessage({ role: 'assistant', content }), maxBytes, 'reply');
}
