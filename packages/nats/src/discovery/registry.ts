import type { AgentInfo } from '@agentmesh/core';

/** The agents this transport serves, as discovery reports them (one entry per served endpoint). */
export class ServedAgents {
  readonly #entries = new Set<AgentInfo>();

  /** Adds an entry; returns the function that removes it. */
  add(info: AgentInfo): () => void {
    const entry: AgentInfo = { name: info.name, capabilities: [...info.capabilities] };
    this.#entries.add(entry);
    return () => this.#entries.delete(entry);
  }

  get size(): number {
    return this.#entries.size;
  }

  list(): AgentInfo[] {
    return [...this.#entries];
  }
}

/**
 * Folds what every transport reported into one entry per agent name: `replicas` counts the
 * endpoints serving it, `capabilities` is the union in first-seen order. Sorted by name.
 */
export function mergeAgents(reports: readonly (readonly AgentInfo[])[]): AgentInfo[] {
  const merged = new Map<string, { capabilities: Set<string>; replicas: number }>();
  for (const report of reports) {
    for (const agent of report) {
      let entry = merged.get(agent.name);
      if (entry === undefined) merged.set(agent.name, (entry = { capabilities: new Set(), replicas: 0 }));
      entry.replicas++;
      for (const capability of agent.capabilities) entry.capabilities.add(capability);
    }
  }
  return [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, entry]) => ({ name, capabilities: [...entry.capabilities], replicas: entry.replicas }));
}
