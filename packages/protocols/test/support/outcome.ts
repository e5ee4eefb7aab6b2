import { MeshError } from '@agentmesh/core';

/** The MeshError a promise rejects with; fails the test if it resolves or rejects with something else. */
export async function meshErrorOf(promise: Promise<unknown>): Promise<MeshError> {
  try {
    const value = await promise;
    throw new Error(`expected a MeshError rejection, got ${JSON.stringify(value)}`);
  } catch (error) {
    if (!MeshError.is(error)) throw error;
    return error;
  }
}

/** Records the settlement of a promise without awaiting it, so fake time can be advanced meanwhile. */
export function track<T>(promise: Promise<T>): { readonly settled: () => boolean; readonly result: Promise<T> } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { settled: () => done, result: promise };
}
