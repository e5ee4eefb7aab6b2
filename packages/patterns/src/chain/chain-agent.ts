import { Agent, MeshError, assertAgentName, type AgentOptions, type HandlerResult, type Message, type RequestContext } from '@agentmesh/core';
import { invalidArgument, positiveInteger } from '../internal/validate.js';
import { describeType, readChainPath, withChainPath } from './path.js';

/** Default of {@link ChainOfResponsibilityAgentOptions.maxHops}: the most links one message may visit. */
export const DEFAULT_CHAIN_MAX_HOPS = 16;

/** The `supportedTypes` entry that accepts every message. */
export const CHAIN_ANY_TYPE = '*';

/** Handles a message a link accepted; `this` is the link (use `this.invoke` to call peers). */
export type ChainRequestHandler = (this: ChainOfResponsibilityAgent, message: Message, ctx: RequestContext) => HandlerResult | Promise<HandlerResult>;

/** Options for a {@link ChainOfResponsibilityAgent}. */
export interface ChainOfResponsibilityAgentOptions extends AgentOptions {
  /** The `metadata.type` values this link handles; `'*'` handles everything. @default [] (forward only) */
  readonly supportedTypes?: readonly string[];
  /** The agent to pass unhandled messages to. @default none: this link ends the chain */
  readonly nextHandler?: string;
  /** The most links a message may pass through before MAX_DEPTH. @default DEFAULT_CHAIN_MAX_HOPS (16) */
  readonly maxHops?: number;
  /**
   * Handles accepted messages (or override {@link ChainOfResponsibilityAgent.handleRequest}).
   * @default none: required when the link accepts any message
   */
  readonly handleRequest?: ChainRequestHandler;
  /** Decides whether this link handles a message. @default `metadata.type` is one of supportedTypes */
  readonly canHandle?: (message: Message) => boolean;
}

/**
 * One link of a chain of responsibility: handles the messages it accepts (by default, those whose
 * `metadata.type` is in `supportedTypes`) and passes the others on, whole (id, content, name and
 * every metadata key), to `nextHandler` under the caller's context. The reply comes back the same
 * way. Each forward records the link in `metadata.chainPath`, so a loop (a link reached twice)
 * or a path longer than `maxHops` fails with MAX_DEPTH naming the path; a message no link accepts
 * fails with NO_HANDLER.
 */
export class ChainOfResponsibilityAgent extends Agent {
  /** The `metadata.type` values this link accepts. */
  readonly supportedTypes: readonly string[];
  readonly #types: ReadonlySet<string>;
  readonly #handleRequest: ChainRequestHandler | undefined;
  readonly #canHandle: ((message: Message) => boolean) | undefined;
  #nextHandler: string | undefined;
  #maxHops: number;

  constructor(options: ChainOfResponsibilityAgentOptions) {
    super(options);
    this.supportedTypes = Object.freeze([...(options.supportedTypes ?? [])]);
    this.#types = new Set(this.supportedTypes);
    this.#handleRequest = options.handleRequest;
    this.#canHandle = options.canHandle;
    this.nextHandler = options.nextHandler;
    this.#maxHops = positiveInteger(options.maxHops, DEFAULT_CHAIN_MAX_HOPS, `chain link "${this.name}": maxHops`);
    const overridden = this.handleRequest !== ChainOfResponsibilityAgent.prototype.handleRequest;
    const accepts = this.supportedTypes.length > 0 || this.#canHandle !== undefined;
    if (accepts && !overridden && this.#handleRequest === undefined) {
      throw invalidArgument(`chain link "${this.name}" accepts messages but has no handleRequest`);
    }
  }

  /** Where unhandled messages go next; undefined ends the chain. */
  get nextHandler(): string | undefined {
    return this.#nextHandler;
  }

  set nextHandler(name: string | undefined) {
    if (name !== undefined) assertAgentName(name);
    this.#nextHandler = name;
  }

  /** The most links a message may pass through. */
  get maxHops(): number {
    return this.#maxHops;
  }

  set maxHops(hops: number) {
    this.#maxHops = positiveInteger(hops, DEFAULT_CHAIN_MAX_HOPS, `chain link "${this.name}": maxHops`);
  }

  /** Whether this link handles `message`. Default: its `metadata.type` is supported (or `'*'` is). */
  canHandle(message: Message): boolean {
    if (this.#canHandle !== undefined) return this.#canHandle(message);
    const type = message.metadata['type'];
    return this.#types.has(CHAIN_ANY_TYPE) || (typeof type === 'string' && this.#types.has(type));
  }

  /** Handles an accepted message. Override it, or pass `handleRequest` in the options. */
  handleRequest(message: Message, ctx: RequestContext): HandlerResult | Promise<HandlerResult> {
    if (this.#handleRequest === undefined) throw new MeshError('NO_HANDLER', `chain link "${this.name}" has no handleRequest`, { agent: this.name });
    return this.#handleRequest.call(this, message, ctx);
  }

  /** Handles the message here, or passes it on whole under the caller's context. */
  override handle(message: Message, ctx: RequestContext): HandlerResult | Promise<HandlerResult> {
    const path = [...readChainPath(message), this.name];
    if (path.indexOf(this.name) < path.length - 1) throw this.#loop(path);
    if (this.canHandle(message)) return this.handleRequest(message, ctx);
    const next = this.#nextHandler;
    const type = message.metadata['type'];
    if (next === undefined) {
      throw new MeshError('NO_HANDLER', `no link of the chain handles ${describeType(type)} (tried ${path.join(' → ')})`, {
        agent: this.name,
        details: { path, ...(type === undefined ? {} : { type }) },
      });
    }
    if (path.includes(next)) throw this.#loop([...path, next]);
    if (path.length >= this.#maxHops) {
      throw new MeshError('MAX_DEPTH', `chain passed its hop limit (${this.#maxHops}) without a handler for ${describeType(type)}: ${path.join(' → ')}`, {
        agent: this.name,
        details: { reason: 'hop-limit', maxHops: this.#maxHops, path },
      });
    }
    return this.invoke(next, withChainPath(message, path), { context: ctx });
  }

  #loop(path: readonly string[]): MeshError {
    return new MeshError('MAX_DEPTH', `chain loops: ${path.join(' → ')}`, { agent: this.name, details: { reason: 'loop', path: [...path] } });
  }
}
