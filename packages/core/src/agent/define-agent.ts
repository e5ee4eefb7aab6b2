import type { RequestContext } from '../context/request-context.js';
import type { Message } from '../message/message.js';
import { Agent, type HandlerResult } from './agent.js';

/** What {@link defineAgent} takes. */
export interface AgentDefinition {
  readonly name: string;
  /** @default [] */
  readonly capabilities?: readonly string[];
  /** Handles one message; `this` is the agent (use `this.invoke` to call peers). */
  handle(this: Agent, message: Message, ctx: RequestContext): HandlerResult | Promise<HandlerResult>;
}

class FunctionAgent extends Agent {
  readonly #handle: (message: Message, ctx: RequestContext) => HandlerResult | Promise<HandlerResult>;

  constructor(definition: AgentDefinition) {
    super(definition);
    this.#handle = (message, ctx) => definition.handle.call(this, message, ctx);
  }

  override handle(message: Message, ctx: RequestContext): HandlerResult | Promise<HandlerResult> {
    return this.#handle(message, ctx);
  }
}

/** Builds an agent from a function. */
export function defineAgent(definition: AgentDefinition): Agent {
  return new FunctionAgent(definition);
}
