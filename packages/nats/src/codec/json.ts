import { invalidMessage } from '../errors.js';

/**
 * Room for the envelope around a message (ids, trace, principal claims): ingress rejects a body
 * larger than the message limit plus this before parsing it.
 */
export const ENVELOPE_SLACK_BYTES = 64 * 1024;

/** JSON-encodes a value that the mesh already validated; a failure is INVALID_MESSAGE. */
export function encodeJson(value: unknown, what: string): Uint8Array {
  return Buffer.from(stringifyJson(value, what), 'utf8');
}

/** The JSON text of a value that the mesh already validated; a failure is INVALID_MESSAGE. */
export function stringifyJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw invalidMessage(`${what} is not JSON-serializable`, error);
  }
  if (text === undefined) throw invalidMessage(`${what} is not JSON-serializable`);
  return text;
}

/**
 * Decodes untrusted bytes (or text already decoded from `size` bytes) as JSON. Oversize bodies
 * are refused before any parsing; malformed UTF-8 or JSON is INVALID_MESSAGE. The result is
 * `unknown`: validate its shape next.
 */
export function decodeJson(input: Uint8Array | string, maxBytes: number, what: string, size = typeof input === 'string' ? input.length : input.byteLength): unknown {
  if (size > maxBytes) throw invalidMessage(`${what} is ${size} bytes, over the ${maxBytes}-byte limit`);
  if (size === 0) throw invalidMessage(`${what} is empty`);
  let text: string;
  try {
    text = typeof input === 'string' ? input : UTF8.decode(input);
  } catch (error) {
    throw invalidMessage(`${what} is not valid UTF-8`, error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidMessage(`${what} is not valid JSON`, error);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
