import { createMesh, defineAgent, type Agent, type Mesh, type MeshOptions, type Message } from '@agentmesh/core';
import { afterEach, vi } from 'vitest';
import { readChunk } from '../src/map-reduce/chunk-message.js';

/** Meshes for one test file; after each test they are closed and real timers are restored. */
export interface TestMeshes {
  mesh(options?: MeshOptions): Mesh;
  /** A mesh with these agents registered. */
  meshWith(...agents: Agent[]): Promise<Mesh>;
}

export function useMeshes(): TestMeshes {
  const meshes: Mesh[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(meshes.splice(0).map((m) => m.close()));
  });
  const mesh = (options: MeshOptions = {}): Mesh => {
    const m = createMesh(options);
    meshes.push(m);
    return m;
  };
  return {
    mesh,
    meshWith: async (...agents) => {
      const m = mesh();
      for (const agent of agents) await m.register(agent);
      return m;
    },
  };
}

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Mappers `m1`..`mN` that sum their chunk and record every message they get in `seen`. */
export function summingMappers(count: number, seen: Message[] = []): Agent[] {
  return Array.from({ length: count }, (_, i) =>
    defineAgent({
      name: `m${i + 1}`,
      handle: (message) => {
        seen.push(message);
        return sum(readChunk<number>(message).items);
      },
    }),
  );
}
