import { MeshError } from '../errors/mesh-error.js';
import type { Agent } from './agent.js';

/** What a registry tells its owner (the mesh serves and unserves agents with it). */
export interface RegistryHooks {
  onRegister?(agent: Agent): void;
  onUnregister?(agent: Agent): void;
}

/** A summary of an agent, as listed by a registry or discovered over a transport. */
export interface AgentInfo {
  readonly name: string;
  readonly capabilities: readonly string[];
  /** How many replicas serve the name (from transports that can tell). */
  readonly replicas?: number;
}

/**
 * The live agents of one mesh, by name. Each mesh owns its registry: there is no global one, so
 * tests and tenants stay isolated. A name can be registered again only after it was unregistered.
 */
export class AgentRegistry {
  readonly #agents = new Map<string, Agent>();
  readonly #hooks: RegistryHooks;

  constructor(hooks: RegistryHooks = {}) {
    this.#hooks = hooks;
  }

  /** Adds an agent; AGENT_EXISTS if the name is taken. */
  register(agent: Agent): void {
    if (this.#agents.has(agent.name)) {
      throw new MeshError('AGENT_EXISTS', `an agent named "${agent.name}" is already registered`);
    }
    this.#agents.set(agent.name, agent);
    try {
      this.#hooks.onRegister?.(agent);
    } catch (error) {
      this.#agents.delete(agent.name);
      throw error;
    }
  }

  /** Removes an agent; returns whether it was there. */
  unregister(name: string): boolean {
    const agent = this.#agents.get(name);
    if (agent === undefined) return false;
    this.#agents.delete(name);
    this.#hooks.onUnregister?.(agent);
    return true;
  }

  get(name: string): Agent | undefined {
    return this.#agents.get(name);
  }

  has(name: string): boolean {
    return this.#agents.has(name);
  }

  /** Every registered agent's name and capabilities. */
  list(): AgentInfo[] {
    return [...this.#agents.values()].map((agent) => ({ name: agent.name, capabilities: agent.getCapabilities() }));
  }

  get size(): number {
    return this.#agents.size;
  }
}
