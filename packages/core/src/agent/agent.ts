import { MeshError } from '../errors/mesh-error.js';
import type { RequestContext } from '../context/request-context.js';
import type { JsonValue } from '../message/json.js';
import type { Message, MessageInit } from '../message/message.js';
import type { InvokeOptions, Mesh } from '../mesh/types.js';

/** What a handler may return: a message, text (becomes an `assistant` message) or any JSON value. */
export type HandlerResult = Message | JsonValue | undefined | void;

/** Options for an {@link Agent}. */
export interface AgentOptions {
  /** Unique within a mesh; letters, digits, `_`, `-`, `.`; at most 128 characters. */
  readonly name: string;
  /** What this agent can do (matched by handshakes and discovery). @default [] */
  readonly capabilities?: readonly string[];
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Throws INVALID_ARGUMENT unless `name` is a valid agent name. */
export function assertAgentName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name) || name.endsWith('.') || name.includes('..')) {
    throw new MeshError(
      'INVALID_ARGUMENT',
      `invalid agent name ${JSON.stringify(name)}: use letters, digits, "_", "-" and single inner dots, at most 128 characters`,
    );
  }
}

/**
 * An agent: a named handler of messages. Override {@link Agent.handle}; call peers with
 * {@link Agent.invoke} once registered with a mesh.
 */
export class Agent {
  readonly name: string;
  readonly capabilities: readonly string[];
  #mesh: Mesh | undefined;

  constructor(options: AgentOptions) {
    assertAgentName(options.name);
    this.name = options.name;
    this.capabilities = Object.freeze([...(options.capabilities ?? [])]);
  }

  /** The capabilities this agent advertises. Override to compute them. */
  getCapabilities(): readonly string[] {
    return this.capabilities;
  }

  /**
   * Handles one message. Throwing (or rejecting) fails the caller's call with HANDLER_ERROR, or with
   * the thrown MeshError's own code. The default refuses with NO_HANDLER.
   */
  handle(_message: Message, _ctx: RequestContext): HandlerResult | Promise<HandlerResult> {
    throw new MeshError('NO_HANDLER', `agent "${this.name}" does not handle messages`, { agent: this.name });
  }

  /**
   * Calls another agent with this agent as the sender. Pass the current `context` from inside a
   * handler so the call inherits its deadline, cancellation, depth and trace.
   */
  invoke(to: string, message: Message | MessageInit, options: Omit<InvokeOptions, 'from'> = {}): Promise<Message> {
    const mesh = this.#mesh;
    if (mesh === undefined) {
      return Promise.reject(new MeshError('INVALID_ARGUMENT', `agent "${this.name}" is not registered with a mesh`));
    }
    return mesh.invoke(to, message, { ...options, from: this.name });
  }

  /** The mesh this agent is registered with. */
  get mesh(): Mesh | undefined {
    return this.#mesh;
  }

  /** Called by the mesh on register/unregister. Not for application code. */
  attachTo(mesh: Mesh | undefined): void {
    if (mesh !== undefined && this.#mesh !== undefined && this.#mesh !== mesh) {
      throw new MeshError('AGENT_EXISTS', `agent "${this.name}" is already registered with another mesh`);
    }
    this.#mesh = mesh;
  }

  /** Called once by the mesh when it closes, after in-flight work drained. Override to flush. */
  close(): Promise<void> | void {}
}
