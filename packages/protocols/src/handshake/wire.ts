import { createMessage, type Message } from '@agentmesh/core';
import { z } from 'zod';
import { invalidMessage, schemaMismatch } from '../shared/errors.js';
import type { HandshakeResult } from './types.js';
import { VERSION_PATTERN } from './version.js';

/** The protocol name every handshake message carries, in `metadata.protocol` and `content.protocol`. */
export const HANDSHAKE_PROTOCOL = 'agentmesh.handshake';

/** Longest list of versions or capabilities accepted from the wire. */
const MAX_LIST = 256;

const version = z.string().regex(VERSION_PATTERN);
const names = z.array(z.string().min(1).max(256)).max(MAX_LIST);

const requestSchema = z.object({
  protocol: z.literal(HANDSHAKE_PROTOCOL),
  versions: z.array(version).min(1).max(MAX_LIST),
  capabilities: names,
  require: names,
});

const responseSchema = z.discriminatedUnion('accepted', [
  z.object({ protocol: z.literal(HANDSHAKE_PROTOCOL), accepted: z.literal(true), version, capabilities: names }),
  z.object({ protocol: z.literal(HANDSHAKE_PROTOCOL), accepted: z.literal(false), reason: z.string().min(1), missing: names.optional() }),
]);

/** The content of a handshake request. */
export type HandshakeRequestContent = z.output<typeof requestSchema>;

/** True for a message that asks for a handshake (the answering side's test, so it must be cheap). */
export function isHandshakeRequest(message: Message): boolean {
  return message.metadata['protocol'] === HANDSHAKE_PROTOCOL && message.metadata['handshake'] === 'request';
}

/** The request: everything is structured content, and the metadata marks it as a handshake. */
export function handshakeRequest(content: { readonly versions: readonly string[]; readonly capabilities: readonly string[]; readonly require: readonly string[] }): Message {
  return createMessage({
    role: 'system',
    content: { protocol: HANDSHAKE_PROTOCOL, versions: [...content.versions], capabilities: [...content.capabilities], require: [...content.require] },
    metadata: { protocol: HANDSHAKE_PROTOCOL, handshake: 'request' },
  });
}

/** Reads a request on the answering side; INVALID_MESSAGE when it is malformed. */
export function parseHandshakeRequest(message: Message): HandshakeRequestContent {
  const parsed = requestSchema.safeParse(message.content);
  if (!parsed.success) throw schemaMismatch('handshake request', parsed.error.issues);
  return parsed.data;
}

/** The answer; `metadata.status` repeats the verdict for code that only reads metadata. */
export function handshakeResponse(result: HandshakeResult): Message {
  const content = result.accepted
    ? { protocol: HANDSHAKE_PROTOCOL, accepted: true, version: result.version, capabilities: [...result.capabilities] }
    : result.missing === undefined
      ? { protocol: HANDSHAKE_PROTOCOL, accepted: false, reason: result.reason }
      : { protocol: HANDSHAKE_PROTOCOL, accepted: false, reason: result.reason, missing: [...result.missing] };
  return createMessage({
    role: 'system',
    content,
    metadata: { protocol: HANDSHAKE_PROTOCOL, handshake: 'response', status: result.accepted ? 'accepted' : 'rejected' },
  });
}

/**
 * Reads the answer on the initiating side. A peer that does not speak the protocol (no protocol
 * installed on its mesh, so its own handler answered) fails INVALID_MESSAGE rather than being
 * mistaken for a refusal.
 */
export function parseHandshakeResponse(message: Message, peer: string): HandshakeResult {
  if (message.metadata['protocol'] !== HANDSHAKE_PROTOCOL) {
    throw invalidMessage(`agent "${peer}" did not answer the handshake (is HandshakeProtocol installed on its mesh?)`, peer);
  }
  const parsed = responseSchema.safeParse(message.content);
  if (!parsed.success) throw schemaMismatch(`handshake response from "${peer}"`, parsed.error.issues);
  const r = parsed.data;
  if (r.accepted) return { accepted: true, peer, version: r.version, capabilities: Object.freeze(r.capabilities) };
  return r.missing === undefined ? { accepted: false, peer, reason: r.reason } : { accepted: false, peer, reason: r.reason, missing: Object.freeze(r.missing) };
}
