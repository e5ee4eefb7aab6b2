import { MeshError } from '../errors/mesh-error.js';

const TOKEN = /^[A-Za-z0-9_:-]+$/;
/** A topic without wildcards, checked in one pass (no split, no array): the publish path's case. */
const PLAIN_TOPIC = /^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*$/;

/**
 * Throws INVALID_ARGUMENT unless `topic` is dot-separated tokens of letters, digits, `_`, `:`, `-`.
 * With `wildcards`, a token may be `*` (exactly one token) and the last may be `>` (one or more).
 */
export function assertTopic(topic: unknown, wildcards: boolean): asserts topic is string {
  const ok =
    typeof topic === 'string' &&
    topic.length > 0 &&
    topic.length <= 256 &&
    (PLAIN_TOPIC.test(topic) ||
      (wildcards &&
        topic.split('.').every((token, i, all) => TOKEN.test(token) || token === '*' || (token === '>' && i === all.length - 1))));
  if (!ok) {
    throw new MeshError(
      'INVALID_ARGUMENT',
      `invalid topic ${JSON.stringify(topic)}: use dot-separated tokens of letters, digits, "_", ":", "-"${wildcards ? ' (or "*", and a final ">")' : ''}`,
    );
  }
}

/** True when `pattern` contains a wildcard token. */
export function hasWildcard(pattern: string): boolean {
  return pattern === '*' || pattern === '>' || pattern.includes('*') || pattern.endsWith('>');
}

/** NATS-style subject matching: `*` is one token, a final `>` one or more. */
export function topicMatches(pattern: string, topic: string): boolean {
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return t.length > i;
    if (i >= t.length) return false;
    if (token !== '*' && token !== t[i]) return false;
  }
  return p.length === t.length;
}
