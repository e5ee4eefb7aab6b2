import { createMessage, defineAgent, type Agent, type JsonValue, type RequestContext } from '@agentmesh/core';
import { readChunk, type ChunkInfo } from './chunk-message.js';

/** What {@link defineMapper} takes. */
export interface MapperDefinition<TItem extends JsonValue = JsonValue, TMapped extends JsonValue = JsonValue> {
  /** The agent's name (what `mappers` lists). */
  readonly name: string;
  /** @default [] */
  readonly capabilities?: readonly string[];
  /**
   * Maps one chunk's items to one JSON result. `ctx` carries the run's deadline and cancellation:
   * long work should watch `ctx.signal`. A throw fails the chunk (reported, never sent as data).
   */
  map(items: TItem[], chunk: ChunkInfo, ctx: RequestContext): TMapped | Promise<TMapped>;
}

/**
 * Builds a mapper agent for {@link mapReduce}: it reads the chunk (INVALID_MESSAGE for anything
 * else) and replies with `map`'s result as the reply content, whatever its shape.
 */
export function defineMapper<TItem extends JsonValue = JsonValue, TMapped extends JsonValue = JsonValue>(definition: MapperDefinition<TItem, TMapped>): Agent {
  const base = { name: definition.name, ...(definition.capabilities === undefined ? {} : { capabilities: definition.capabilities }) };
  return defineAgent({
    ...base,
    handle(message, ctx) {
      const chunk = readChunk<TItem>(message);
      const result = definition.map(chunk.items, chunk, ctx);
      // Wrapped so a result that happens to look like a Message is still sent as data.
      if (result instanceof Promise) return result.then((content) => createMessage({ role: 'assistant', content }));
      return createMessage({ role: 'assistant', content: result });
    },
  });
}
