import { createMesh, defineAgent, MeshError, type AgentDefinition, type Mesh, type MeshOptions } from '@agentmesh/core';
import { afterEach, vi } from 'vitest';
export { deferred, type Deferred } from '@agentmesh/core/testing';

const meshes: Mesh[] = [];

/** A mesh (closed after the test) with the given agents registered. */
export async function meshWith(options: MeshOptions, ...agents: AgentDefinition[]): Promise<Mesh> {
  const mesh = createMesh(options);
  meshes.push(mesh);
  for (const agent of agents) await mesh.register(defineAgent(agent));
  return mesh;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(meshes.splice(0).map((m) => m.close()));
});

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<MeshError> {
  const outcome = await promise.then(
    (value: unknown) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as MeshError;
}

/** Lets pending promise callbacks run (no time passes). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A handler error the mesh reports as retryable HANDLER_ERROR. */
export class Flaky extends Error {
  override name = 'Flaky';
}

/** A MeshError of `code`. */
export function meshError(code: ConstructorParameters<typeof MeshError>[0], options?: ConstructorParameters<typeof MeshError>[2]): MeshError {
  return new MeshError(code, `test ${code}`, options);
}
