import type { Mesh } from '@agentmesh/core';
import { invalidArgument } from './errors.js';

const installed = new WeakMap<Mesh, Set<string>>();

/**
 * Marks `protocol` as installed on `mesh`, or throws INVALID_ARGUMENT when it already is. A second
 * instance would sit inside the first one's inbound middleware and never see a message, so its
 * options would be silently ignored; refusing it makes that mistake loud.
 */
export function claimMesh(mesh: Mesh, protocol: string): void {
  let names = installed.get(mesh);
  if (names === undefined) installed.set(mesh, (names = new Set()));
  if (names.has(protocol)) {
    throw invalidArgument(`${protocol} is already installed on this mesh: create one protocol instance per mesh and share it`);
  }
  names.add(protocol);
}
