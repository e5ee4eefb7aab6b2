import { assertAgentName, type Mesh } from '@agentmesh/core';
import { invalidArgument, isList } from '../internal/validate.js';
import { ChainOfResponsibilityAgent, DEFAULT_CHAIN_MAX_HOPS, type ChainOfResponsibilityAgentOptions } from './chain-agent.js';

/** A link for {@link createChain}: an agent, or the options to build one (its next handler is set for you). */
export type ChainLink = ChainOfResponsibilityAgent | Omit<ChainOfResponsibilityAgentOptions, 'nextHandler'>;

/** Options for {@link createChain}. */
export interface CreateChainOptions {
  /** Where the last link passes what nobody handled (another chain's entry). @default none: NO_HANDLER */
  readonly next?: string;
  /**
   * The most links a message may pass through, set on every link.
   * @default DEFAULT_CHAIN_MAX_HOPS (16), or the number of links if that is larger
   */
  readonly maxHops?: number;
}

/** Linked chain links, ready to register. */
export interface Chain {
  /** The first link's name: send messages here. */
  readonly entry: string;
  /** The links in order, each pointing at the next. */
  readonly agents: readonly ChainOfResponsibilityAgent[];
  /** Registers every link with `mesh`; if one fails, unregisters those already registered and rejects. */
  register(mesh: Mesh): Promise<void>;
}

/**
 * Links handlers in order: each link's `nextHandler` becomes the following link (the last gets
 * `options.next`), overriding whatever the agents had. Nothing is registered until you call
 * `chain.register(mesh)` (or register `chain.agents` yourself), so the same chain description can
 * be built once and registered where it runs.
 *
 * @throws INVALID_ARGUMENT for no links or a name used twice (that would be a loop).
 */
export function createChain(links: readonly ChainLink[], options: CreateChainOptions = {}): Chain {
  if (!isList(links) || links.length === 0) throw invalidArgument('createChain needs at least one link');
  if (options.next !== undefined) assertAgentName(options.next);
  const agents = links.map((link) => (link instanceof ChainOfResponsibilityAgent ? link : new ChainOfResponsibilityAgent(link)));
  const names = new Set<string>();
  for (const agent of agents) {
    if (names.has(agent.name)) throw invalidArgument(`createChain: "${agent.name}" appears twice, which would loop`);
    names.add(agent.name);
  }
  if (options.next !== undefined && names.has(options.next)) throw invalidArgument(`createChain: next "${options.next}" is a link of this chain, which would loop`);
  const maxHops = options.maxHops ?? Math.max(DEFAULT_CHAIN_MAX_HOPS, agents.length);
  agents.forEach((agent, i) => {
    agent.nextHandler = agents[i + 1]?.name ?? options.next;
    agent.maxHops = maxHops;
  });
  return {
    entry: agents[0]!.name,
    agents,
    register: async (mesh) => {
      const done: string[] = [];
      try {
        for (const agent of agents) {
          await mesh.register(agent);
          done.push(agent.name);
        }
      } catch (error) {
        await Promise.all(done.map((name) => mesh.unregister(name)));
        throw error;
      }
    },
  };
}
