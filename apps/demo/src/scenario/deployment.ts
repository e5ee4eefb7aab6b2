import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createMesh, type Mesh } from '@agentmesh/core';
import { NatsTransport } from '@agentmesh/nats';
import { hostSpecialists, installProtocols, type MeshProtocols, type SpecialistGroup } from './specialists.js';

/** Where the specialists run, and how to shut it all down. */
export interface Deployment {
  readonly mesh: Mesh;
  /** The handshake and request-reply protocols of `mesh`. */
  readonly protocols: MeshProtocols;
  /** "in-process" or "nats (2 worker processes, prefix ...)". */
  readonly label: string;
  close(): Promise<void>;
}

const GROUPS: readonly SpecialistGroup[] = ['analysis', 'operations'];
const EXPECTED = ['analyzer-1', 'analyzer-2', 'analyzer-3', 'classifier', 'billing', 'pager', 'chaos', 'vendor-api', 'postmortem', 'legacy-notifier'];

/** Everything in this process, on the in-memory transport. */
export async function inProcess(seed: number): Promise<Deployment> {
  const mesh = createMesh({ defaultTimeoutMs: 10_000 });
  const protocols = await hostSpecialists(mesh, GROUPS, seed);
  return { mesh, protocols, label: 'in-process (in-memory transport)', close: () => mesh.close() };
}

/** The specialists in two worker processes, this process as the coordinator, all over NATS. */
export async function overNats(seed: number, natsUrl: string): Promise<Deployment> {
  const prefix = `demo-${randomBytes(4).toString('hex')}`;
  const worker = fileURLToPath(new URL('./worker.js', import.meta.url));
  const children: ChildProcess[] = [];
  const stopWorkers = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    for (const group of GROUPS) {
      const child = spawn(process.execPath, [worker, '--nats-url', natsUrl, '--prefix', prefix, '--group', group, '--seed', String(seed)], {
        // stdin stays open while this process lives; the worker stops when it closes.
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker "${group}" did not start within 15 s`)), 15_000);
        child.once('exit', (code) => reject(new Error(`worker "${group}" exited with code ${String(code)} before it was ready`)));
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    }
    const mesh = createMesh({ transport: new NatsTransport({ servers: natsUrl, prefix }), defaultTimeoutMs: 10_000 });
    const found = new Set((await mesh.discover()).map((a) => a.name));
    const missing = EXPECTED.filter((name) => !found.has(name));
    if (missing.length > 0) throw new Error(`workers are up but these agents are not reachable over NATS: ${missing.join(', ')}`);
    return {
      mesh,
      protocols: installProtocols(mesh),
      label: `nats (${children.length} worker processes, subject prefix "${prefix}", ${natsUrl})`,
      close: async () => {
        await mesh.close();
        await stopWorkers();
      },
    };
  } catch (error) {
    await stopWorkers();
    throw error;
  }
}
