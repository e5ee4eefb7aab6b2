import { MeshError } from '@agentmesh/core';

const PATH = /^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*$/;
const NAME = /^[A-Za-z0-9_-]+$/;

/** True when `value` is dot-separated tokens of letters, digits, `_`, `:`, `-` (no wildcards). */
export function isSubjectPath(value: string): boolean {
  return value.length <= 256 && PATH.test(value);
}

/** Throws INVALID_ARGUMENT unless `value` can be a JetStream stream or consumer name. */
export function assertStreamName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length > 64 || !NAME.test(value)) {
    throw new MeshError('INVALID_ARGUMENT', `invalid ${what} ${JSON.stringify(value)}: use letters, digits, "_" and "-", at most 64 characters`);
  }
}

/**
 * The subject layout under one prefix (see the README):
 * `<prefix>.agent.<name>` requests, `<prefix>.cancel.<name>` cancellations, `<prefix>.event.<topic>`
 * events, `<prefix>.discover` discovery, `<prefix>.instance.<id>` liveness probes,
 * `<prefix>.dlq.<key>` dead letters.
 */
export class Subjects {
  readonly prefix: string;
  readonly discover: string;
  readonly eventRoot: string;
  readonly deadLetterRoot: string;
  /** The JetStream stream capturing `<prefix>.event.>` for durable subscriptions. */
  readonly eventStream: string;
  /** The JetStream stream holding `<prefix>.dlq.>`. */
  readonly deadLetterStream: string;

  readonly #agents = new Map<string, string>();
  readonly #events = new Map<string, string>();

  constructor(prefix: string) {
    if (!isSubjectPath(prefix) || prefix.length > 64) {
      throw new MeshError('INVALID_ARGUMENT', `invalid prefix ${JSON.stringify(prefix)}: use dot-separated tokens of letters, digits, "_", ":", "-"`);
    }
    this.prefix = prefix;
    this.discover = `${prefix}.discover`;
    this.eventRoot = `${prefix}.event.`;
    this.deadLetterRoot = `${prefix}.dlq`;
    const token = prefix.replace(/[.:]/g, '_');
    this.eventStream = `${token}_events`;
    this.deadLetterStream = `${token}_dlq`;
  }

  agent(name: string): string {
    return cached(this.#agents, name, `${this.prefix}.agent.`);
  }

  cancel(name: string): string {
    return `${this.prefix}.cancel.${name}`;
  }

  /** Where one transport instance answers liveness probes. */
  instance(id: string): string {
    return `${this.prefix}.instance.${id}`;
  }

  event(topic: string): string {
    return cached(this.#events, topic, this.eventRoot);
  }

  /** The topic of an event subject (the part after `<prefix>.event.`). */
  topicOf(subject: string): string {
    return subject.slice(this.eventRoot.length);
  }
}

/** Subjects kept per name, at most this many of each kind (then the cache starts over). */
const MAX_CACHED_SUBJECTS = 1024;

/**
 * `root + name`, built once per name. nats.js checks every subject it publishes to with a regex;
 * on a freshly concatenated string that first flattens it (a copy per message), on a cached one
 * it does not.
 */
function cached(cache: Map<string, string>, name: string, root: string): string {
  let subject = cache.get(name);
  if (subject === undefined) {
    if (cache.size >= MAX_CACHED_SUBJECTS) cache.clear();
    cache.set(name, (subject = root + name));
  }
  return subject;
}
