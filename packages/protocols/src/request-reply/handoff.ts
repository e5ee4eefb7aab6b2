import type { Message } from '@agentmesh/core';
import type { AnyRequestDefinition } from './define-request.js';

/**
 * The caller's parse of a request payload, carried on the message object in-process. The caller's
 * pending request is this record (see PendingRequest); an untyped one has no definition, which
 * never matches a handler's.
 */
export interface Parsed {
  readonly definition: AnyRequestDefinition | undefined;
  readonly content: unknown;
  readonly data: unknown;
}

// Module-private: no code outside this package can name it, and no transport carries symbol keys
// (JSON drops them), so a record proves that this process parsed exactly this content with exactly
// this definition. A property rather than a WeakMap: a WeakMap entry per request costs more than
// the parse it saves.
export const PARSED: unique symbol = Symbol('agentmesh.protocols.parsed');

type WithParsed = Message & { readonly [PARSED]?: Parsed | undefined };

/**
 * The caller's parse of `message` if it was made here, with this very definition, of this very
 * content; otherwise undefined and the callee parses. A message that crossed a network is a new
 * object without the record; one whose content a middleware replaced fails the content check.
 */
export function recallParsed(message: Message, definition: AnyRequestDefinition): { readonly data: unknown } | undefined {
  const parsed = (message as WithParsed)[PARSED];
  return parsed !== undefined && parsed.definition === definition && parsed.content === message.content ? parsed : undefined;
}
