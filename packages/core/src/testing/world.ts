import { defineAgent, type AgentDefinition } from '../agent/define-agent.js';
import type { Agent } from '../agent/agent.js';
import { createMesh } from '../mesh/mesh.js';
import type { Mesh, MeshOptions } from '../mesh/types.js';
import type { Transport } from '../transport/types.js';
import type { ConformanceHarness } from './harness.js';

/** Meshes and agents for one test; everything is closed afterwards. */
export class World {
  readonly #harness: ConformanceHarness;
  readonly #meshes: Mesh[] = [];
  readonly #transports = new Set<Transport>();

  constructor(harness: ConformanceHarness) {
    this.#harness = harness;
  }

  get fakeTime(): boolean {
    return this.#harness.fakeTime ?? false;
  }

  get leakIterations(): number {
    return this.#harness.leakIterations ?? 100_000;
  }

  /** A mesh on a new endpoint of the network. */
  async mesh(options: Omit<MeshOptions, 'transport'> = {}): Promise<Mesh> {
    const transport = await this.#harness.connect();
    this.#transports.add(transport);
    const mesh = createMesh({ ...options, transport, closeTransport: false });
    this.#meshes.push(mesh);
    return mesh;
  }

  /** Registers agents built from definitions and waits until they are served. */
  async agents(mesh: Mesh, ...definitions: AgentDefinition[]): Promise<Agent[]> {
    const agents = definitions.map((d) => defineAgent(d));
    for (const agent of agents) await mesh.register(agent);
    return agents;
  }

  async close(): Promise<void> {
    await Promise.all(this.#meshes.map((m) => m.close()));
    await Promise.all([...this.#transports].map((t) => t.close()));
    await this.#harness.close?.();
  }
}
