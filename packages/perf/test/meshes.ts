import { createMesh, defineAgent, type Mesh, type MeshOptions } from '@agentmesh/core';
import { afterEach, vi } from 'vitest';
import { settle } from './support.js';

/**
 * Registers an afterEach that restores real timers and closes every mesh made through the
 * returned function during the test.
 */
export function meshScope(): (options?: MeshOptions) => Mesh {
  const meshes: Mesh[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(meshes.splice(0).map((mesh) => mesh.close()));
  });
  return (options = {}) => {
    const mesh = createMesh(options);
    meshes.push(mesh);
    return mesh;
  };
}

/** Agents whose calls wait until released, counting how many run at once (per agent and overall). */
export interface GatedAgents {
  /** Release functions of the calls waiting in a handler now. */
  readonly gates: (() => void)[];
  /** Most calls ever running at once in one agent's handler. */
  peakOf(name: string): number;
  /** Most calls ever running at once over all agents. */
  peak(): number;
  /** Releases handlers until none runs or waits any more. */
  drain(): Promise<void>;
}

/** Registers agents answering `<name>:<content>` once the test releases them. */
export async function registerGated(mesh: Mesh, names: readonly string[]): Promise<GatedAgents> {
  const gates: (() => void)[] = [];
  const running = new Map<string, number>();
  const peaks = new Map<string, number>();
  let total = 0;
  let peak = 0;
  for (const name of names) {
    await mesh.register(
      defineAgent({
        name,
        async handle(message) {
          running.set(name, (running.get(name) ?? 0) + 1);
          peaks.set(name, Math.max(peaks.get(name) ?? 0, running.get(name)!));
          peak = Math.max(peak, ++total);
          await new Promise<void>((resolve) => gates.push(resolve));
          running.set(name, running.get(name)! - 1);
          total--;
          return `${name}:${JSON.stringify(message.content)}`;
        },
      }),
    );
  }
  return {
    gates,
    peakOf: (name) => peaks.get(name) ?? 0,
    peak: () => peak,
    drain: async () => {
      for (let i = 0; i < 100 && (gates.length > 0 || total > 0); i++) {
        await settle();
        for (const release of gates.splice(0)) release();
      }
      await settle();
    },
  };
}
