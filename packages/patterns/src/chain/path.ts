import { MeshError, type JsonValue, type Message } from '@agentmesh/core';

/** Metadata key listing the chain links a message has passed through, in order. */
export const CHAIN_PATH_KEY = 'chainPath';

/** The links `message` has passed through (empty when it enters the chain). */
export function readChainPath(message: Message): readonly string[] {
  const path = message.metadata[CHAIN_PATH_KEY];
  if (path === undefined) return [];
  if (!Array.isArray(path) || !path.every((link): link is string => typeof link === 'string')) {
    throw new MeshError('INVALID_MESSAGE', `metadata.${CHAIN_PATH_KEY} must be an array of agent names`);
  }
  return path;
}

/** The same message (id, role, name, content and every metadata key) with its path extended. */
export function withChainPath(message: Message, path: readonly string[]): Message {
  return { ...message, metadata: { ...message.metadata, [CHAIN_PATH_KEY]: [...path] } };
}

/** The routing type of a message, for error messages. */
export function describeType(type: JsonValue | undefined): string {
  return type === undefined ? 'no metadata.type' : `type ${JSON.stringify(type)}`;
}
